using System.Globalization;
using DenseDino.Training;
using StbImageWriteSharp;

namespace DenseDino.Cli;

/// <summary>
/// loss.png: top panel loss total (red), cls (blue), ref (green) per step; bottom panel lr
/// (orange). Each panel is labelled with its y range (max at the top, min at the bottom).
/// </summary>
internal static class LossPlot
{
    private const int Width = 900, PanelHeight = 300, Margin = 70;
    private static readonly (byte, byte, byte) Red = (214, 39, 40), Blue = (31, 119, 180), Green = (44, 160, 44),
        Orange = (255, 127, 14), Grey = (120, 120, 120), Black = (0, 0, 0);

    public static void Write(string path, IReadOnlyList<StepRecord> records)
    {
        var canvas = new Canvas(Width, 2 * PanelHeight);
        if (records.Count > 0)
        {
            double[] steps = records.Select(r => (double)r.Step).ToArray();
            Panel(canvas, 0, steps, [(records.Select(r => r.Loss).ToArray(), Red), (records.Select(r => r.ClsLoss).ToArray(), Blue),
                (records.Select(r => r.RefLoss).ToArray(), Green)]);
            Panel(canvas, PanelHeight, steps, [(records.Select(r => r.Lr).ToArray(), Orange)]);
        }
        using var stream = File.Create(path);
        new ImageWriter().WritePng(canvas.Pixels, canvas.Width, canvas.Height, ColorComponents.RedGreenBlue, stream);
    }

    private static void Panel(Canvas canvas, int top, double[] x, (double[] Y, (byte, byte, byte) Color)[] series)
    {
        int left = Margin, right = Width - 20, y0 = top + 20, y1 = top + PanelHeight - 30;
        var finite = series.SelectMany(s => s.Y).Where(double.IsFinite).ToArray();
        double lo = finite.Length > 0 ? finite.Min() : 0, hi = finite.Length > 0 ? finite.Max() : 1;
        if (hi - lo < 1e-12) { hi += 0.5; lo -= 0.5; }
        double xLo = x[0], xHi = Math.Max(x[^1], x[0] + 1);
        canvas.Rect(left, y0, right, y1, Grey);
        canvas.Text(4, y0, Label(hi), Black);
        canvas.Text(4, y1 - 10, Label(lo), Black);
        canvas.Text(left, y1 + 8, Label(xLo), Black);
        canvas.Text(right - 40, y1 + 8, Label(xHi), Black);
        int Px(double v) => left + (int)Math.Round((v - xLo) / (xHi - xLo) * (right - left));
        int Py(double v) => y1 - (int)Math.Round((v - lo) / (hi - lo) * (y1 - y0));
        foreach (var (y, color) in series)
            for (int i = 1; i < x.Length; i++)
                if (double.IsFinite(y[i - 1]) && double.IsFinite(y[i]))
                    canvas.Line(Px(x[i - 1]), Py(y[i - 1]), Px(x[i]), Py(y[i]), color, thickness: 2);
    }

    private static string Label(double v) =>
        Math.Abs(v) is >= 0.01 and < 10000 or 0 ? v.ToString("0.###", CultureInfo.InvariantCulture) : v.ToString("0.0e+0", CultureInfo.InvariantCulture);
}
