using DenseDino.Numerics.Autograd;

namespace DenseDino.Numerics;

public static partial class Ops
{
    /// <summary>
    /// residual + DropPath(branch, p, seed) (a transformer block's residual step under stochastic depth), the
    /// same numbers as <c>Add(residual, DropPath(branch, p, seed))</c> without keeping the dropped branch: only
    /// the [B, 1, ...] mask is saved for backward. residual and branch [B, ...] of one shape.
    /// </summary>
    public static Tensor AddDropPath(Tensor residual, Tensor branch, float p, ulong seed) => AddDropPathFunction.Apply(residual, branch, p, seed);
}

internal sealed class AddDropPathFunction : Function
{
    private const string Op = "AddDropPath";
    private Tensor mask = null!;

    public static Tensor Apply(Tensor residual, Tensor branch, float p, ulong seed)
    {
        Check.Alive(Op, "residual", residual);
        Check.Alive(Op, "branch", branch);
        Check.SameBackend(Op, residual, branch, "residual", "branch");
        Check.Rank(Op, "branch", branch, 1);
        Check.ShapeEquals(Op, "residual", residual, branch.Shape);
        if (!(p >= 0 && p < 1)) throw new ArgumentException($"{Op}: p must be in [0, 1), got {p}");
        var be = branch.Backend;
        var mask = Ops.DropPathMask(branch, p, seed);   // [B, 1, ...], as DropPath draws it
        var y = Tensor.Empty(be, branch.Shape);
        be.Binary(BinaryOp.Mul, branch, mask, y);
        be.Binary(BinaryOp.Add, y, residual, y);   // (branch·mask) + residual: Add's operands commute exactly
        return new AddDropPathFunction { mask = mask }.Record(y, residual, branch);
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        Tensor? dBranch = null;
        if (NeedsGrad(1))
        {
            dBranch = Tensor.Empty(g.Backend, g.Shape);
            g.Backend.Binary(BinaryOp.Mul, g, mask, dBranch);
        }
        return [NeedsGrad(0) ? g : null, dBranch];
    }
}
