namespace DenseDino.Cli;

/// <summary>An RGB raster with lines and a 3×5 pixel font for numbers: enough for a loss plot without native libraries.</summary>
internal sealed class Canvas
{
    private static readonly Dictionary<char, string> Glyphs = new()
    {
        ['0'] = "111101101101111", ['1'] = "010110010010111", ['2'] = "111001111100111", ['3'] = "111001111001111",
        ['4'] = "101101111001001", ['5'] = "111100111001111", ['6'] = "111100111101111", ['7'] = "111001010010010",
        ['8'] = "111101111101111", ['9'] = "111101111001111", ['.'] = "000000000000010", ['-'] = "000000111000000",
        ['e'] = "000111111100111", ['+'] = "000010111010000",
    };

    public Canvas(int width, int height)
    {
        Width = width;
        Height = height;
        Pixels = new byte[width * height * 3];
        Array.Fill(Pixels, (byte)255);
    }

    public int Width { get; }
    public int Height { get; }
    /// <summary>[H, W, 3] row-major RGB.</summary>
    public byte[] Pixels { get; }

    public void Set(int x, int y, (byte R, byte G, byte B) c)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height) return;
        int o = (y * Width + x) * 3;
        (Pixels[o], Pixels[o + 1], Pixels[o + 2]) = c;
    }

    /// <summary>Bresenham line, <paramref name="thickness"/> pixels wide (vertically).</summary>
    public void Line(int x0, int y0, int x1, int y1, (byte, byte, byte) c, int thickness = 1)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            for (int t = 0; t < thickness; t++) Set(x0, y0 + t, c);
            if (x0 == x1 && y0 == y1) break;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }

    public void Rect(int x0, int y0, int x1, int y1, (byte, byte, byte) c)
    {
        Line(x0, y0, x1, y0, c);
        Line(x1, y0, x1, y1, c);
        Line(x1, y1, x0, y1, c);
        Line(x0, y1, x0, y0, c);
    }

    /// <summary>Writes digits, '.', '-', 'e', '+' at (x, y) top-left, scaled by <paramref name="scale"/>.</summary>
    public void Text(int x, int y, string text, (byte, byte, byte) c, int scale = 2)
    {
        foreach (char ch in text)
        {
            if (Glyphs.TryGetValue(ch, out var g))
                for (int i = 0; i < 15; i++)
                    if (g[i] == '1')
                        for (int sy = 0; sy < scale; sy++)
                            for (int sx = 0; sx < scale; sx++)
                                Set(x + (i % 3) * scale + sx, y + (i / 3) * scale + sy, c);
            x += 4 * scale;
        }
    }
}
