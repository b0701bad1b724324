namespace DenseDino.Numerics.Autograd;

/// <summary>Per-thread switch for recording the tape (torch.no_grad).</summary>
public static class GradMode
{
    [ThreadStatic] private static int disabledDepth;

    public static bool IsEnabled => disabledDepth == 0;

    /// <summary>Disables recording until the returned handle is disposed.</summary>
    public static NoGradScope NoGrad()
    {
        disabledDepth++;
        return new NoGradScope();
    }

    public readonly struct NoGradScope : IDisposable
    {
        public void Dispose() => disabledDepth--;
    }
}
