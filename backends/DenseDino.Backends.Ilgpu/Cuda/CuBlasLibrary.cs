using System.Reflection;
using System.Runtime.InteropServices;
using ILGPU.Runtime.Cuda;

namespace DenseDino.Backends.Ilgpu.Cuda;

/// <summary>
/// Finds cuBLAS for CUDA 13, 12 or 11. ILGPU.Algorithms only asks for libcublas.so.10–12, so a
/// CUDA 13 machine fails out of the box; a DllImport resolver on its assembly (and ours) hands
/// back whichever library loaded first. <c>DENSEDINO_CUBLAS</c> names a file to use instead.
/// </summary>
public static class CuBlasLibrary
{
    private static readonly object Gate = new();
    private static IntPtr handle;
    private static string? loadedFrom;
    private static bool resolversSet;

    /// <summary>The path or name the library was loaded from (after <see cref="Load"/>).</summary>
    public static string? LoadedFrom => loadedFrom;

    /// <summary>
    /// Loads cuBLAS once and routes every cuBLAS DllImport of ILGPU.Algorithms and this assembly to
    /// it. Throws <see cref="DllNotFoundException"/> listing every name and path tried.
    /// </summary>
    public static IntPtr Load()
    {
        lock (Gate)
        {
            if (handle == IntPtr.Zero)
            {
                var tried = new List<string>();
                foreach (string candidate in Candidates())
                {
                    if (NativeLibrary.TryLoad(candidate, out handle)) { loadedFrom = candidate; break; }
                    tried.Add(candidate);
                }
                if (handle == IntPtr.Zero)
                    throw new DllNotFoundException("cuBLAS not found (CUDA 11, 12 or 13 needed); tried: " + string.Join(", ", tried) +
                        ". Set DENSEDINO_CUBLAS to the library's path, or use the kernel GEMM (--gemm kernel).");
            }
            if (!resolversSet)
            {
                SetResolver(typeof(CuBlas).Assembly);
                SetResolver(typeof(CuBlasLibrary).Assembly);
                resolversSet = true;
            }
            return handle;
        }
    }

    private static void SetResolver(Assembly assembly)
    {
        try
        {
            NativeLibrary.SetDllImportResolver(assembly, (name, _, _) =>
                name.Contains("cublas", StringComparison.OrdinalIgnoreCase) && !name.Contains("cublasLt", StringComparison.OrdinalIgnoreCase)
                    ? handle : IntPtr.Zero);
        }
        catch (InvalidOperationException)
        {
            // Someone set a resolver on this assembly already; theirs stays in charge.
        }
    }

    /// <summary>
    /// The file named by <paramref name="envVar"/>, then the library's names (cublas or cublasLt), newest
    /// CUDA first, then the same names under the usual CUDA install folders.
    /// </summary>
    internal static IEnumerable<string> Candidates(string envVar = "DENSEDINO_CUBLAS", string library = "cublas")
    {
        string? env = Environment.GetEnvironmentVariable(envVar);
        if (!string.IsNullOrWhiteSpace(env)) yield return env;
        string[] names = OperatingSystem.IsWindows()
            ? [$"{library}64_13.dll", $"{library}64_12.dll", $"{library}64_11.dll"]
            : [$"lib{library}.so.13", $"lib{library}.so.12", $"lib{library}.so.11", $"lib{library}.so"];
        foreach (string n in names) yield return n;
        foreach (string dir in InstallFolders())
            foreach (string n in names)
                yield return Path.Combine(dir, n);
    }

    private static IEnumerable<string> InstallFolders()
    {
        var roots = new List<string>();
        foreach (string v in new[] { "CUDA_PATH", "CUDA_HOME" })
            if (Environment.GetEnvironmentVariable(v) is { Length: > 0 } r) roots.Add(r);
        if (!OperatingSystem.IsWindows())
        {
            roots.Add("/usr/local/cuda");
            if (Directory.Exists("/usr/local"))
                roots.AddRange(Directory.GetDirectories("/usr/local", "cuda-*").OrderDescending());
        }
        string[] subs = OperatingSystem.IsWindows() ? ["bin", Path.Combine("bin", "x64")] : ["lib64", "targets/x86_64-linux/lib", "targets/sbsa-linux/lib"];
        foreach (string root in roots.Distinct())
            foreach (string sub in subs)
            {
                string dir = Path.Combine(root, sub);
                if (Directory.Exists(dir)) yield return dir;
            }
    }
}
