using DenseDino.Backends.Cpu.Kernels;
using DenseDino.Numerics;

namespace DenseDino.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void MatMul(Tensor a, Tensor b, Tensor? bias, in GemmShape s, float alpha, float beta, Tensor c, Tensor? addend = null)
    {
        if (GemmAddend.Applies(addend, s, beta, c)) GemmAddend.ThroughC(this, a, b, bias, s, alpha, beta, c, addend!);
        else Run(a, b, bias, s, alpha, beta, c);
    }

    private void Run(Tensor a, Tensor b, Tensor? bias, in GemmShape s, float alpha, float beta, Tensor c) =>
        Sgemm.Run(s.Batch, s.M, s.N, s.K, alpha,
            Ptr(a), s.StrideA, s.Lda, s.TransA,
            Ptr(b), s.StrideB, s.Ldb, s.TransB,
            beta, Ptr(c), s.StrideC, s.Ldc, bias is null ? null : Ptr(bias), Threads);
}
