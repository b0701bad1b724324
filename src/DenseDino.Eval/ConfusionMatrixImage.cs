namespace DenseDino.Eval;

/// <summary>
/// The confusion matrix as a PNG: row-normalised (each truth class sums to 1, so rare classes
/// stay visible), viridis, each cell <c>cell</c>×<c>cell</c> pixels; rows = truth, columns = prediction.
/// </summary>
public static class ConfusionMatrixImage
{
    public static void Write(string path, ConfusionMatrix cm, int cell = 16)
    {
        int c = cm.Classes;
        var values = new float[c * c];
        for (int r = 0; r < c; r++)
        {
            long sum = 0;
            for (int j = 0; j < c; j++) sum += cm.Counts[r, j];
            for (int j = 0; j < c; j++) values[r * c + j] = sum == 0 ? 0 : (float)cm.Counts[r, j] / sum;
        }
        var rgb = new byte[c * c * 3];
        for (int i = 0; i < values.Length; i++)
        {
            var (rr, g, b) = Colormap.Viridis(values[i]);
            rgb[3 * i] = rr; rgb[3 * i + 1] = g; rgb[3 * i + 2] = b;
        }
        PngWriter.Write(path, PngWriter.Enlarge(rgb, c, c, cell));
    }
}
