namespace DenseDino.Backends.Cpu.Kernels;

/// <summary>Which micro-kernel <see cref="Sgemm"/> uses; tests force each one.</summary>
internal enum SgemmKernel { Auto, Scalar, Vector256, Vector512 }

/// <summary>One GEMM problem (a single batch item, or a slice of one handed to a thread).</summary>
internal unsafe struct GemmProblem
{
    public int M, N, K;
    public float Alpha, Beta;
    public float* A, B, C, Bias;
    public int Lda, Ldb, Ldc;
    public bool TransA, TransB;

    /// <summary>Rows [i0, i0+rows) of op(A) and C.</summary>
    public readonly GemmProblem SliceM(int i0, int rows)
    {
        var s = this;
        s.M = rows;
        s.A = TransA ? A + i0 : A + (long)i0 * Lda;
        s.C = C + (long)i0 * Ldc;
        return s;
    }

    /// <summary>Columns [j0, j0+cols) of op(B), C and bias.</summary>
    public readonly GemmProblem SliceN(int j0, int cols)
    {
        var s = this;
        s.N = cols;
        s.B = TransB ? B + (long)j0 * Ldb : B + j0;
        s.C = C + j0;
        if (Bias != null) s.Bias = Bias + j0;
        return s;
    }
}

/// <summary>
/// Single-threaded Goto/BLIS loop nest: NC columns of packed B (L3), KC deep (a B micro-panel
/// KC x NR stays in L1), MC rows of packed A (L2), then MR x NR register tiles.
/// </summary>
internal static unsafe class SgemmDriver
{
    // KC * 16 floats * 4 B = 16 KiB B micro-panel: half of Zen's 32 KiB L1d. MC * KC * 4 B = 144 KiB of A in L2.
    public const int KC = 256, MC = 144, NC = 4096;

    public static int NrOf(SgemmKernel kind) => kind == SgemmKernel.Vector512 ? 32 : 16;

    public static void Run(in GemmProblem g, SgemmKernel kind)
    {
        if (g.M <= 0 || g.N <= 0) return;
        if (g.K <= 0) { ScaleAndBias(g); return; }
        int nr = NrOf(kind);
        int kcMax = Math.Min(KC, g.K);
        int mcMax = Math.Min(MC, RoundUp(g.M, SgemmPack.MR));
        int ncMax = Math.Min(NC, RoundUp(g.N, nr));
        var s = SgemmScratch.For((long)mcMax * kcMax + SgemmPack.PackASlack, (long)kcMax * ncMax, SgemmPack.MR * nr);
        float* pa = s.PackA, pb = s.PackB, tile = s.Tile;

        for (int jc = 0; jc < g.N; jc += NC)
        {
            int nc = Math.Min(NC, g.N - jc);
            for (int pc = 0; pc < g.K; pc += KC)
            {
                int kc = Math.Min(KC, g.K - pc);
                SgemmPack.PackB(g.B, g.Ldb, g.TransB, pc, kc, jc, nc, nr, pb);
                // beta and bias are applied once, by the first k block; later blocks accumulate.
                float beta = pc == 0 ? g.Beta : 1f;
                float* bias = pc == 0 && g.Bias != null ? g.Bias + jc : null;
                for (int ic = 0; ic < g.M; ic += MC)
                {
                    int mc = Math.Min(MC, g.M - ic);
                    SgemmPack.PackA(g.A, g.Lda, g.TransA, ic, mc, pc, kc, g.Alpha, pa);
                    Macro(kind, mc, nc, kc, nr, pa, pb, g.C + (long)ic * g.Ldc + jc, g.Ldc, beta, bias, tile);
                }
            }
        }
    }

    private static void Macro(SgemmKernel kind, int mc, int nc, int kc, int nr, float* pa, float* pb,
        float* c, long ldc, float beta, float* bias, float* tile)
    {
        const int MR = SgemmPack.MR;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int w = Math.Min(nr, nc - jr);
            float* b = pb + (long)jr * kc;
            float* bj = bias == null ? null : bias + jr;
            for (int ir = 0; ir < mc; ir += MR)
            {
                int h = Math.Min(MR, mc - ir);
                float* a = pa + (long)ir * kc;
                float* cij = c + ir * ldc + jr;
                switch (kind)
                {
                    case SgemmKernel.Vector256: SgemmMicroKernels.Kernel256(kc, a, b, cij, ldc, h, w, beta, bj, tile); break;
                    case SgemmKernel.Vector512: SgemmMicroKernels.Kernel512(kc, a, b, cij, ldc, h, w, beta, bj, tile); break;
                    default: SgemmMicroKernels.KernelScalar(kc, a, b, cij, ldc, h, w, beta, bj, tile); break;
                }
            }
        }
    }

    // k == 0: op(A) * op(B) is empty, so C = beta * C + bias.
    private static void ScaleAndBias(in GemmProblem g)
    {
        for (int i = 0; i < g.M; i++)
        {
            float* ci = g.C + (long)i * g.Ldc;
            for (int j = 0; j < g.N; j++)
            {
                float v = g.Beta == 0 ? 0f : g.Beta * ci[j];
                ci[j] = g.Bias != null ? v + g.Bias[j] : v;
            }
        }
    }

    private static int RoundUp(int x, int m) => (x + m - 1) / m * m;
}
