using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using DenseDino.Backends.Cpu.Kernels;
using DenseDino.Numerics;

namespace DenseDino.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Unary(UnaryOp op, Tensor x, float alpha, Tensor y)
    {
        float* px = Ptr(x), py = Ptr(y);
        ForChunks(y.Length, (s, n) =>
        {
            var src = new ReadOnlySpan<float>(px + s, n);
            var dst = new Span<float>(py + s, n);
            switch (op)
            {
                case UnaryOp.Neg: TensorPrimitives.Negate(src, dst); break;
                case UnaryOp.Exp: TensorPrimitives.Exp(src, dst); break;
                case UnaryOp.Log: TensorPrimitives.Log(src, dst); break;
                case UnaryOp.Sqrt: TensorPrimitives.Sqrt(src, dst); break;
                case UnaryOp.Tanh: TensorPrimitives.Tanh(src, dst); break;
                case UnaryOp.Relu: TensorPrimitives.Max(src, 0f, dst); break;
                case UnaryOp.AddScalar: TensorPrimitives.Add(src, alpha, dst); break;
                case UnaryOp.MulScalar: TensorPrimitives.Multiply(src, alpha, dst); break;
                case UnaryOp.PowScalar: TensorPrimitives.Pow(src, alpha, dst); break;
                case UnaryOp.Gelu: ElementwiseLoop.Run<GeluForward>(px + s, px + s, px + s, py + s, n, alpha, accumulate: false); break;
                default: throw new NotSupportedException($"Unary: {op}");
            }
        });
    }

    public void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy, float alpha, Tensor dx, bool accumulate)
    {
        float* px = Ptr(x), py = Ptr(y), pdy = Ptr(dy), pdx = Ptr(dx);
        ForChunks(dx.Length, (s, n) =>
        {
            float* a = px + s, b = py + s, g = pdy + s, d = pdx + s;
            switch (op)
            {
                case UnaryOp.Neg: ElementwiseLoop.Run<NegGrad>(a, b, g, d, n, alpha, accumulate); break;
                case UnaryOp.Exp: ElementwiseLoop.Run<ExpGrad>(a, b, g, d, n, alpha, accumulate); break;
                case UnaryOp.Log: ElementwiseLoop.Run<LogGrad>(a, b, g, d, n, alpha, accumulate); break;
                case UnaryOp.Sqrt: ElementwiseLoop.Run<SqrtGrad>(a, b, g, d, n, alpha, accumulate); break;
                case UnaryOp.Tanh: ElementwiseLoop.Run<TanhGrad>(a, b, g, d, n, alpha, accumulate); break;
                case UnaryOp.Relu: ElementwiseLoop.Run<ReluGrad>(a, b, g, d, n, alpha, accumulate); break;
                case UnaryOp.Gelu: ElementwiseLoop.Run<GeluGrad>(a, b, g, d, n, alpha, accumulate); break;
                case UnaryOp.AddScalar: ElementwiseLoop.Run<PassGrad>(a, b, g, d, n, alpha, accumulate); break;
                case UnaryOp.MulScalar: ElementwiseLoop.Run<ScaleGrad>(a, b, g, d, n, alpha, accumulate); break;
                case UnaryOp.PowScalar: ElementwiseLoop.Run<PowGrad>(a, b, g, d, n, alpha, accumulate); break;
                default: throw new NotSupportedException($"UnaryBackward: {op}");
            }
        });
    }

    // Operator structs: (x, y = f(x), dy, alpha) → dx. One generic loop drives them all.
    private struct GeluForward : IElementwise
    {
        public static float Invoke(float x, float y, float g, float a) => x * GeluMath.Cdf(x);
        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> g, Vector256<float> a) => x * GeluMath.Cdf(x);
    }
    private struct GeluGrad : IElementwise
    {
        public static float Invoke(float x, float y, float g, float a) => g * (GeluMath.Cdf(x) + x * GeluMath.Pdf(x));
        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> g, Vector256<float> a) => g * (GeluMath.Cdf(x) + x * GeluMath.Pdf(x));
    }
    private struct NegGrad : IElementwise
    {
        public static float Invoke(float x, float y, float g, float a) => -g;
        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> g, Vector256<float> a) => -g;
    }
    private struct ExpGrad : IElementwise
    {
        public static float Invoke(float x, float y, float g, float a) => g * y;
        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> g, Vector256<float> a) => g * y;
    }
    private struct LogGrad : IElementwise
    {
        public static float Invoke(float x, float y, float g, float a) => g / x;
        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> g, Vector256<float> a) => g / x;
    }
    private struct SqrtGrad : IElementwise
    {
        public static float Invoke(float x, float y, float g, float a) => 0.5f * g / y;
        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> g, Vector256<float> a) => Vector256.Create(0.5f) * g / y;
    }
    private struct TanhGrad : IElementwise
    {
        public static float Invoke(float x, float y, float g, float a) => g * (1f - y * y);
        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> g, Vector256<float> a) => g * (Vector256<float>.One - y * y);
    }
    private struct ReluGrad : IElementwise
    {
        public static float Invoke(float x, float y, float g, float a) => x > 0 ? g : 0f;
        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> g, Vector256<float> a) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), g, Vector256<float>.Zero);
    }
    private struct PassGrad : IElementwise
    {
        public static float Invoke(float x, float y, float g, float a) => g;
        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> g, Vector256<float> a) => g;
    }
    private struct ScaleGrad : IElementwise
    {
        public static float Invoke(float x, float y, float g, float a) => g * a;
        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> g, Vector256<float> a) => g * a;
    }
    private struct PowGrad : IElementwise
    {
        // d(x^a)/dx = a·x^(a−1); scalar because vector Pow is not in Vector256.
        public static float Invoke(float x, float y, float g, float a) => g * a * MathF.Pow(x, a - 1f);
        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> g, Vector256<float> a)
        {
            var r = Vector256<float>.Zero;
            for (int i = 0; i < Vector256<float>.Count; i++) r = r.WithElement(i, Invoke(x[i], y[i], g[i], a[i]));
            return r;
        }
    }
}
