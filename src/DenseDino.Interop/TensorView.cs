namespace DenseDino.Interop;

/// <summary>Copies a strided torch view out of its storage bytes into a contiguous float32 tensor, bounds-checked first.</summary>
internal static class TensorView
{
    public static HostTensor Gather(TorchTensorRef t, byte[] storage, string path)
    {
        string Where() => $"torch checkpoint '{path}': tensor on storage '{t.Storage.Key}' (size {HostTensor.Format(t.Size)}, stride {HostTensor.Format(t.Stride)}, offset {t.Offset})";
        int rank = t.Size.Length;
        if (t.Stride.Length != rank) throw new InvalidDataException($"{Where()}: size and stride ranks differ");
        var shape = new int[rank];
        long count = 1, last = t.Offset;
        bool empty = false;
        for (int i = 0; i < rank; i++)
        {
            if (t.Size[i] < 0 || t.Size[i] > int.MaxValue || t.Stride[i] < 0 || t.Stride[i] > int.MaxValue)
                throw new InvalidDataException($"{Where()}: invalid size or stride");
            shape[i] = (int)t.Size[i];
            if (t.Size[i] == 0) empty = true;
        }
        if (!empty)
        {
            for (int i = 0; i < rank; i++)
            {
                if (count > Array.MaxLength / t.Size[i]) throw new InvalidDataException($"{Where()}: too many elements");
                count *= t.Size[i];
                last += (t.Size[i] - 1) * t.Stride[i];   // Σ(size−1) ≤ count ≤ 2³¹ and stride ≤ 2³¹: no overflow
            }
            if (t.Offset < 0 || last >= t.Storage.Numel)
                throw new InvalidDataException($"{Where()}: reaches element {last}, storage has {t.Storage.Numel}");
        }
        else count = 0;

        if (count == 0) return new HostTensor(shape, []);
        if (IsContiguous(t))   // the usual case: one block conversion instead of an odometer walk
        {
            int size = DTypes.Size(t.Storage.Type);
            return new HostTensor(shape, DTypes.ToFloat(t.Storage.Type, storage.AsSpan(checked((int)(t.Offset * size)), (int)count * size), (int)count));
        }
        var data = new float[count];
        var index = new long[rank];
        long src = t.Offset;
        for (long n = 0; n < count; n++)
        {
            data[n] = DTypes.Read(t.Storage.Type, storage, src);
            for (int d = rank - 1; d >= 0; d--)   // odometer over the dims, innermost first
            {
                if (++index[d] < t.Size[d]) { src += t.Stride[d]; break; }
                src -= (t.Size[d] - 1) * t.Stride[d];
                index[d] = 0;
            }
        }
        return new HostTensor(shape, data);
    }

    private static bool IsContiguous(TorchTensorRef t)
    {
        long expected = 1;
        for (int d = t.Size.Length - 1; d >= 0; d--)
        {
            if (t.Size[d] != 1 && t.Stride[d] != expected) return false;
            expected *= t.Size[d];
        }
        return true;
    }
}
