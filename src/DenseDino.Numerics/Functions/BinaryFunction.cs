using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    public static Tensor Add(Tensor a, Tensor b) => BinaryFunction.Apply(BinaryOp.Add, a, b);
    public static Tensor Sub(Tensor a, Tensor b) => BinaryFunction.Apply(BinaryOp.Sub, a, b);
    public static Tensor Mul(Tensor a, Tensor b) => BinaryFunction.Apply(BinaryOp.Mul, a, b);
    public static Tensor Div(Tensor a, Tensor b) => BinaryFunction.Apply(BinaryOp.Div, a, b);

    /// <summary>Sums x over broadcast axes so that it has <paramref name="shape"/> (the gradient of broadcasting).</summary>
    public static Tensor SumToShape(Tensor x, Shape shape)
    {
        if (x.Shape == shape) return x;
        if (shape.Rank > x.Rank) throw new ArgumentException($"SumToShape: cannot reduce {x.Shape} to higher-rank {shape}");
        // Pad the target with leading 1s to x's rank, reduce, then view with the real shape.
        var padded = new int[x.Rank];
        int lead = x.Rank - shape.Rank;
        for (int i = 0; i < x.Rank; i++)
        {
            padded[i] = i < lead ? 1 : shape[i - lead];
            if (padded[i] != 1 && padded[i] != x.Shape[i])
                throw new ArgumentException($"SumToShape: {x.Shape} does not broadcast from {shape}");
        }
        var y = Tensor.Empty(x.Backend, padded);
        x.Backend.SumToShape(x, y);
        if (lead == 0) return y;
        var view = y.View(0, shape);
        y.Dispose();
        return view;
    }
}

/// <summary>a op b with numpy broadcasting; gradients are summed back over broadcast axes.</summary>
internal sealed class BinaryFunction : Function
{
    private readonly BinaryOp op;
    private Tensor a = null!, b = null!, y = null!;

    private BinaryFunction(BinaryOp op) => this.op = op;
    public override string Name => op.ToString();

    public static Tensor Apply(BinaryOp op, Tensor a, Tensor b)
    {
        Check.SameBackend(op.ToString(), a, b);
        var shape = Shape.Broadcast(a.Shape, b.Shape, op.ToString());
        var y = Tensor.Empty(a.Backend, shape);
        a.Backend.Binary(op, a, b, y);
        var fn = new BinaryFunction(op) { a = a, b = b, y = y };
        return fn.Record(y, a, b);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        Tensor? da = null, db = null;
        switch (op)
        {
            case BinaryOp.Add:
                if (NeedsGrad(0)) da = Ops.SumToShape(g, a.Shape);
                if (NeedsGrad(1)) db = Ops.SumToShape(g, b.Shape);
                break;
            case BinaryOp.Sub:
                if (NeedsGrad(0)) da = Ops.SumToShape(g, a.Shape);
                if (NeedsGrad(1)) db = Ops.SumToShape(Ops.Neg(g), b.Shape);
                break;
            case BinaryOp.Mul:
                if (NeedsGrad(0)) da = Ops.SumToShape(Ops.Mul(g, b), a.Shape);
                if (NeedsGrad(1)) db = Ops.SumToShape(Ops.Mul(g, a), b.Shape);
                break;
            case BinaryOp.Div:
                if (NeedsGrad(0)) da = Ops.SumToShape(Ops.Div(g, b), a.Shape);
                // d(a/b)/db = -y/b
                if (NeedsGrad(1)) db = Ops.SumToShape(Ops.Neg(Ops.Div(Ops.Mul(g, y), b)), b.Shape);
                break;
        }
        return [da, db];
    }
}
