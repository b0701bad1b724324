using DenseDino.Numerics.Autograd;
using DenseDino.Numerics.Memory;

namespace DenseDino.Numerics;

/// <summary>
/// A contiguous row-major float32 tensor: a view (offset + shape) of a pooled backend
/// buffer, plus what autograd needs. Model code never learns which backend holds the data.
/// Operations live in <see cref="Ops"/>, not here.
/// </summary>
public sealed class Tensor : IDisposable
{
    private static long live;
    private bool disposed;
    private bool requiresGrad;

    internal Tensor(Storage storage, long offset, Shape shape)
    {
        Storage = storage;
        Offset = offset;
        Shape = shape;
        Interlocked.Increment(ref live);
        TensorScope.Track(this);
    }

    public Storage Storage { get; private set; }
    /// <summary>Offset of element 0 in the buffer, in floats.</summary>
    public long Offset { get; private set; }
    public Shape Shape { get; }
    public IBackend Backend => Storage.Backend;
    public DeviceBuffer Buffer => Storage.Buffer;
    public int Rank => Shape.Rank;
    public long Length => Shape.Length;
    public string? Name { get; set; }

    /// <summary>Tensors created and not yet disposed, over all threads (for leak tests).</summary>
    public static long LiveCount => Interlocked.Read(ref live);

    /// <summary>The scope that will dispose this tensor, if any.</summary>
    internal TensorScope? Scope { get; set; }

    // ---- autograd ----
    /// <summary>The function that produced this tensor; null for leaves.</summary>
    internal Function? GradFn { get; set; }
    public bool IsLeaf => GradFn is null;
    public Tensor? Grad { get; internal set; }
    /// <summary>
    /// Where this leaf's gradient lives when a <see cref="ParameterArena"/> holds it: a view of the arena's
    /// gradient buffer, all zeros while <see cref="Grad"/> is null; backward adds into it.
    /// </summary>
    internal Tensor? GradSlot { get; set; }
    /// <summary>The arena this parameter was moved into, if any.</summary>
    public ParameterArena? Arena { get; internal set; }

    public bool RequiresGrad
    {
        get => requiresGrad;
        set
        {
            if (!IsLeaf && !value) throw new InvalidOperationException("RequiresGrad: only leaves can be switched off; use Ops.Detach");
            requiresGrad = value;
        }
    }

    public bool IsDisposed => disposed;

    // ---- creation ----
    /// <summary>An uninitialised tensor from the backend's pool, owned by the current scope.</summary>
    public static Tensor Empty(IBackend backend, Shape shape)
    {
        long n = shape.Length;
        var storage = new Storage(backend, backend.Pool.Rent(n), n);
        return new Tensor(storage, 0, shape);
    }

    public static Tensor Zeros(IBackend backend, Shape shape) => Full(backend, shape, 0f);

    public static Tensor Full(IBackend backend, Shape shape, float value)
    {
        var t = Empty(backend, shape);
        backend.Fill(t, value);
        return t;
    }

    public static Tensor FromArray(IBackend backend, ReadOnlySpan<float> data, Shape shape)
    {
        if (data.Length != shape.Length)
            throw new ArgumentException($"FromArray: {data.Length} values for shape {shape} ({shape.Length} elements)");
        var t = Empty(backend, shape);
        backend.Upload(data, t.Buffer, t.Offset);
        return t;
    }

    /// <summary>A trainable leaf that no scope owns (it lives until disposed).</summary>
    public static Tensor Parameter(IBackend backend, ReadOnlySpan<float> data, Shape shape, string? name = null)
    {
        using var _ = TensorScope.Untracked();
        var t = FromArray(backend, data, shape);
        t.RequiresGrad = true;
        t.Name = name;
        return t;
    }

    /// <summary>A view sharing this tensor's storage (no copy).</summary>
    internal Tensor View(long offset, Shape shape)
    {
        ThrowIfDisposed();
        Storage.AddRef();
        return new Tensor(Storage, Offset + offset, shape);
    }

    // ---- host access ----
    public float[] ToArray()
    {
        ThrowIfDisposed();
        var data = new float[Length];
        Backend.Download(Buffer, Offset, data);
        return data;
    }

    public float Item()
    {
        if (Length != 1) throw new InvalidOperationException($"Item: tensor of shape {Shape} has {Length} elements, not 1");
        return ToArray()[0];
    }

    public void CopyFrom(ReadOnlySpan<float> data)
    {
        ThrowIfDisposed();
        if (data.Length != Length) throw new ArgumentException($"CopyFrom: {data.Length} values for shape {Shape}");
        Backend.Upload(data, Buffer, Offset);
    }

    /// <summary>Overwrites elements [start, start + data.Length) in row-major order (a part of a batch, say).</summary>
    public void CopyFrom(ReadOnlySpan<float> data, long start)
    {
        ThrowIfDisposed();
        if (start < 0 || start > Length - data.Length)
            throw new ArgumentException($"CopyFrom: {data.Length} values at element {start} do not fit shape {Shape} ({Length} elements)");
        Backend.Upload(data, Buffer, Offset + start);
    }

    /// <summary>Drops the accumulated gradient (returns its memory to the pool, or zeroes its arena slot).</summary>
    public void ZeroGrad()
    {
        if (Grad is null) return;
        if (ReferenceEquals(Grad, GradSlot)) Backend.Fill(Grad, 0f);
        else Grad.Dispose();
        Grad = null;
    }

    /// <summary>Points this tensor at another buffer (its data must already be there); the old storage loses this reference.</summary>
    internal void Rebind(Storage storage, long offset)
    {
        ThrowIfDisposed();
        storage.AddRef();
        Storage.Release();
        Storage = storage;
        Offset = offset;
    }

    internal void SetGrad(Tensor grad) => Grad = grad;

    internal void ThrowIfDisposed()
    {
        if (disposed || Storage.IsReleased)
            throw new ObjectDisposedException(Name ?? $"Tensor{Shape}", "the tensor was disposed (did its scope end?)");
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        Interlocked.Decrement(ref live);
        Storage.Release();
    }

    public override string ToString() => $"Tensor{Shape}{(Name is null ? "" : " " + Name)} on {Backend.Name}";
}
