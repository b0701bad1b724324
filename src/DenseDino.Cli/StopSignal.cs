using System.Runtime.InteropServices;

namespace DenseDino.Cli;

/// <summary>
/// The first Ctrl+C (or SIGTERM, as a scheduler sends before it kills a job) cancels <see cref="Token"/>, so that
/// pretraining stops after its current step and writes a checkpoint; a second Ctrl+C ends the process at once.
/// </summary>
public sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource source = new();
    private readonly PosixSignalRegistration? terminate;

    public StopSignal()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        // SIGTERM is not available on every platform .NET runs on; Ctrl+C alone then.
        try { terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnTerminate); }
        catch (PlatformNotSupportedException) { }
    }

    public CancellationToken Token => source.Token;

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        if (source.IsCancellationRequested) return;   // the second one: let the runtime end the process
        e.Cancel = true;
        Request("Ctrl+C");
    }

    private void OnTerminate(PosixSignalContext context)
    {
        context.Cancel = true;
        Request("SIGTERM");
    }

    private void Request(string what)
    {
        Console.Error.WriteLine($"{what}: stopping after the current step and writing a checkpoint (Ctrl+C again to end at once)");
        source.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        terminate?.Dispose();
        source.Dispose();
    }
}
