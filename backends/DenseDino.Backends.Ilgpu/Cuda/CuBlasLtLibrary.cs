using System.Runtime.InteropServices;

namespace DenseDino.Backends.Ilgpu.Cuda;

/// <summary>
/// The cuBLASLt entry points the bias epilogue needs, bound by name from libcublasLt (CUDA 13, 12
/// or 11, found like cuBLAS; <c>DENSEDINO_CUBLASLT</c> names a file to use instead). Function
/// pointers rather than DllImport: the library name differs per CUDA version and nothing else in
/// the process resolves it.
/// </summary>
internal sealed unsafe class CuBlasLtLibrary
{
    // cublasLt.h values (stable since CUDA 11.4).
    public const int DescTransA = 3, DescTransB = 4, DescEpilogue = 7, DescBiasPointer = 8;
    public const int LayoutBatchCount = 5, LayoutStridedBatchOffset = 6;
    public const int PrefMaxWorkspaceBytes = 1, PrefMinAlignmentA = 5, PrefMinAlignmentD = 8; // A, B, C, D: 5..8
    public const uint EpilogueBias = 4;

    /// <summary>cublasLtMatmulHeuristicResult_t: a 64-byte algo, then workspace size, state, waves, 4 reserved ints.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct HeuristicResult
    {
        public fixed ulong Algo[8];
        public nuint WorkspaceSize;
        public int State;
        public float WavesCount;
        public fixed int Reserved[4];
    }

    public readonly delegate* unmanaged<IntPtr*, int> Create;
    public readonly delegate* unmanaged<IntPtr, int> Destroy;
    public readonly delegate* unmanaged<IntPtr*, int, int, int> MatmulDescCreate;
    public readonly delegate* unmanaged<IntPtr, int, void*, nuint, int> MatmulDescSetAttribute;
    public readonly delegate* unmanaged<IntPtr, int> MatmulDescDestroy;
    public readonly delegate* unmanaged<IntPtr*, int, ulong, ulong, long, int> MatrixLayoutCreate;
    public readonly delegate* unmanaged<IntPtr, int, void*, nuint, int> MatrixLayoutSetAttribute;
    public readonly delegate* unmanaged<IntPtr, int> MatrixLayoutDestroy;
    public readonly delegate* unmanaged<IntPtr*, int> PreferenceCreate;
    public readonly delegate* unmanaged<IntPtr, int, void*, nuint, int> PreferenceSetAttribute;
    public readonly delegate* unmanaged<IntPtr, int> PreferenceDestroy;
    public readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, HeuristicResult*, int*, int> AlgoGetHeuristic;
    public readonly delegate* unmanaged<IntPtr, IntPtr, float*, IntPtr, IntPtr, IntPtr, IntPtr, float*, IntPtr, IntPtr, IntPtr, IntPtr, ulong*, IntPtr, nuint, IntPtr, int> Matmul;

    public string LoadedFrom { get; }

    private CuBlasLtLibrary(IntPtr handle, string from)
    {
        LoadedFrom = from;
        IntPtr F(string name) => NativeLibrary.GetExport(handle, name);
        Create = (delegate* unmanaged<IntPtr*, int>)F("cublasLtCreate");
        Destroy = (delegate* unmanaged<IntPtr, int>)F("cublasLtDestroy");
        MatmulDescCreate = (delegate* unmanaged<IntPtr*, int, int, int>)F("cublasLtMatmulDescCreate");
        MatmulDescSetAttribute = (delegate* unmanaged<IntPtr, int, void*, nuint, int>)F("cublasLtMatmulDescSetAttribute");
        MatmulDescDestroy = (delegate* unmanaged<IntPtr, int>)F("cublasLtMatmulDescDestroy");
        MatrixLayoutCreate = (delegate* unmanaged<IntPtr*, int, ulong, ulong, long, int>)F("cublasLtMatrixLayoutCreate");
        MatrixLayoutSetAttribute = (delegate* unmanaged<IntPtr, int, void*, nuint, int>)F("cublasLtMatrixLayoutSetAttribute");
        MatrixLayoutDestroy = (delegate* unmanaged<IntPtr, int>)F("cublasLtMatrixLayoutDestroy");
        PreferenceCreate = (delegate* unmanaged<IntPtr*, int>)F("cublasLtMatmulPreferenceCreate");
        PreferenceSetAttribute = (delegate* unmanaged<IntPtr, int, void*, nuint, int>)F("cublasLtMatmulPreferenceSetAttribute");
        PreferenceDestroy = (delegate* unmanaged<IntPtr, int>)F("cublasLtMatmulPreferenceDestroy");
        AlgoGetHeuristic = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, HeuristicResult*, int*, int>)F("cublasLtMatmulAlgoGetHeuristic");
        Matmul = (delegate* unmanaged<IntPtr, IntPtr, float*, IntPtr, IntPtr, IntPtr, IntPtr, float*, IntPtr, IntPtr, IntPtr, IntPtr, ulong*, IntPtr, nuint, IntPtr, int>)F("cublasLtMatmul");
    }

    /// <summary>Loads the library and binds every entry point; throws <see cref="DllNotFoundException"/> listing what was tried.</summary>
    public static CuBlasLtLibrary Load()
    {
        var tried = new List<string>();
        foreach (string candidate in CuBlasLibrary.Candidates("DENSEDINO_CUBLASLT", "cublasLt"))
        {
            if (NativeLibrary.TryLoad(candidate, out var handle)) return new CuBlasLtLibrary(handle, candidate);
            tried.Add(candidate);
        }
        throw new DllNotFoundException("cuBLASLt not found (CUDA 11, 12 or 13 needed); tried: " + string.Join(", ", tried) +
            ". Set DENSEDINO_CUBLASLT to the library's path.");
    }
}
