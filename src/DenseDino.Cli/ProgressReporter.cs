using System.Globalization;
using DenseDino.Training;
using Spectre.Console;

namespace DenseDino.Cli;

/// <summary>
/// Live table (epoch/step, losses, lr, images/s, ETA) on a terminal; one plain line per step
/// when output is redirected, so logs stay readable.
/// </summary>
internal sealed class ProgressReporter(Trainer trainer, bool plain)
{
    private readonly DateTime started = DateTime.UtcNow;
    private readonly int firstStep = trainer.Step;

    public void Run(Action<Action<StepRecord>> train)
    {
        if (plain)
        {
            train(r => Console.WriteLine(Line(r)));
            return;
        }
        var table = NewTable();
        AnsiConsole.Live(table).AutoClear(false).Start(ctx =>
        {
            train(r =>
            {
                Fill(table, r);
                ctx.Refresh();
            });
        });
    }

    private string Line(StepRecord r) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {r.Epoch + 1}/{trainer.Config.Epochs} step {r.Step}/{trainer.StopStep} loss {r.Loss:F4} (cls {r.ClsLoss:F4} ref {r.RefLoss:F4}) " +
        $"lr {r.Lr:E2} wd {r.WeightDecay:F3} m {r.Momentum:F4} {r.Images / r.Seconds:F1} img/s data wait {r.DataWaitSeconds * 1e3:F0} ms eta {Eta(r)}");

    private static Table NewTable()
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]DenseDINO pretraining[/]");
        foreach (var h in new[] { "epoch", "step", "loss", "cls", "ref", "lr", "img/s", "ETA" }) table.AddColumn(h);
        table.AddRow("-", "-", "-", "-", "-", "-", "-", "-");
        return table;
    }

    private void Fill(Table table, StepRecord r)
    {
        var c = CultureInfo.InvariantCulture;
        string[] cells =
        [
            $"{r.Epoch + 1}/{trainer.Config.Epochs}", $"{r.Step}/{trainer.StopStep}", r.Loss.ToString("F4", c),
            r.ClsLoss.ToString("F4", c), r.RefLoss.ToString("F4", c), r.Lr.ToString("E2", c),
            (r.Images / r.Seconds).ToString("F1", c), Eta(r),
        ];
        for (int i = 0; i < cells.Length; i++) table.UpdateCell(0, i, cells[i]);
    }

    /// <summary>Remaining steps at the mean pace of this run so far (data loading included).</summary>
    private string Eta(StepRecord r)
    {
        int done = r.Step - firstStep;
        if (done <= 0) return "-";
        double perStep = (DateTime.UtcNow - started).TotalSeconds / done;
        var eta = TimeSpan.FromSeconds(perStep * (trainer.StopStep - r.Step));
        return eta.ToString(eta.TotalHours >= 1 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);
    }
}
