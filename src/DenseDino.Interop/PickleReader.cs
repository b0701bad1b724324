using System.Buffers.Binary;
using System.Text;

namespace DenseDino.Interop;

/// <summary>
/// A strictly bounded unpickler for what torch.save writes (protocol 2, plus the few protocol-4
/// opcodes newer torch uses). It never imports or calls anything: GLOBAL names outside a short
/// whitelist are rejected, REDUCE/NEWOBJ only build the whitelisted values (tensors, OrderedDict,
/// argparse.Namespace as an opaque object), and every read is checked against the buffer, so a
/// corrupt file fails with an InvalidDataException naming the source and the byte offset.
/// </summary>
public sealed class PickleReader
{
    private static readonly HashSet<(string, string)> AllowedGlobals =
    [
        ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_parameter"),
        ("collections", "OrderedDict"), ("argparse", "Namespace"),
        ("torch", "FloatStorage"), ("torch", "HalfStorage"), ("torch", "DoubleStorage"), ("torch", "BFloat16Storage"),
        ("torch", "LongStorage"), ("torch", "IntStorage"), ("torch", "ShortStorage"), ("torch", "CharStorage"),
        ("torch", "ByteStorage"), ("torch", "BoolStorage"),
    ];

    private static readonly object Mark = new();
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly byte[] data;
    private readonly string source;
    private readonly List<object?> stack = new();
    private readonly Dictionary<long, object?> memo = new();
    private readonly Dictionary<string, TorchStorageRef> storages = new(StringComparer.Ordinal);
    private int pos;
    private int opStart;

    private PickleReader(byte[] data, string source)
    {
        this.data = data;
        this.source = source;
    }

    /// <summary>Unpickles <paramref name="data"/>; <paramref name="source"/> names it in errors.</summary>
    public static object? Load(byte[] data, string source) => new PickleReader(data, source).Run();

    private object? Run()
    {
        while (true)
        {
            opStart = pos;
            byte op = U8();
            switch (op)
            {
                case 0x80: U8(); break;                                               // PROTO
                case 0x95: Bytes(8); break;                                           // FRAME: framing only
                case 0x2e: return stack.Count == 1 && stack[0] != Mark ? stack[0] : throw Bad($"STOP with {stack.Count} values on the stack");
                case 0x28: stack.Add(Mark); break;                                    // MARK
                case 0x7d: stack.Add(new PickleDict()); break;                        // EMPTY_DICT
                case 0x5d: stack.Add(new List<object?>()); break;                     // EMPTY_LIST
                case 0x29: stack.Add(Array.Empty<object?>()); break;                  // EMPTY_TUPLE
                case 0x4e: stack.Add(null); break;                                    // NONE
                case 0x88: stack.Add(true); break;                                    // NEWTRUE
                case 0x89: stack.Add(false); break;                                   // NEWFALSE
                case 0x4a: stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Bytes(4))); break;  // BININT
                case 0x4b: stack.Add((long)U8()); break;                              // BININT1
                case 0x4d: stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2))); break; // BININT2
                case 0x8a: stack.Add(Long1()); break;                                 // LONG1
                case 0x47: stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8))); break;          // BINFLOAT
                case 0x58: stack.Add(Utf8(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)))); break; // BINUNICODE
                case 0x8c: stack.Add(Utf8(U8())); break;                              // SHORT_BINUNICODE
                case 0x74: stack.Add(PopToMark().ToArray()); break;                   // TUPLE
                case 0x85: stack.Add(new[] { Pop() }); break;                         // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); stack.Add(new[] { a, b }); break; }         // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); stack.Add(new[] { a, b, c }); break; } // TUPLE3
                case 0x61: { var v = Pop(); Top<List<object?>>("APPEND").Add(v); break; }              // APPEND
                case 0x65: { var items = PopToMark(); Top<List<object?>>("APPENDS").AddRange(items); break; } // APPENDS
                case 0x73: { var v = Pop(); var k = Pop(); Top<PickleDict>("SETITEM").Set(k, v); break; }  // SETITEM
                case 0x75: SetItems(); break;                                         // SETITEMS
                case 0x71: memo[U8()] = Peek(); break;                                // BINPUT
                case 0x72: memo[BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))] = Peek(); break;    // LONG_BINPUT
                case 0x94: memo[memo.Count] = Peek(); break;                          // MEMOIZE
                case 0x68: stack.Add(Get(U8())); break;                               // BINGET
                case 0x6a: stack.Add(Get(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)))); break;  // LONG_BINGET
                case 0x63: stack.Add(Global(Line(), Line())); break;                  // GLOBAL
                case 0x93: { var name = Pop(); var module = Pop(); stack.Add(Global(module as string, name as string)); break; } // STACK_GLOBAL
                case 0x52: { var args = Pop(); var f = Pop(); stack.Add(Reduce(f, args)); break; }     // REDUCE
                case 0x81: { var args = Pop(); var cls = Pop(); stack.Add(NewObj(cls, args)); break; } // NEWOBJ
                case 0x62: { var state = Pop(); Build(Peek(), state); break; }        // BUILD
                case 0x51: stack.Add(PersistentLoad(Pop())); break;                   // BINPERSID
                default: throw Bad($"opcode 0x{op:x2} is not supported (only the opcodes torch.save writes are)");
            }
        }
    }

    private object Global(string? module, string? name)
    {
        if (module is null || name is null) throw Bad("global module/name is not a string");
        if (!AllowedGlobals.Contains((module, name))) throw Bad($"global '{module}.{name}' is not allowed (no code is run from checkpoints)");
        return new PickleGlobal(module, name);
    }

    private object? Reduce(object? f, object? args)
    {
        var a = args as object?[] ?? throw Bad("REDUCE arguments are not a tuple");
        switch ((f as PickleGlobal)?.ToString())
        {
            case "torch._utils._rebuild_tensor_v2":
                if (a.Length < 4 || a[0] is not TorchStorageRef storage || a[1] is not long offset)
                    throw Bad("_rebuild_tensor_v2 expects (storage, offset, size, stride, …)");
                return new TorchTensorRef(storage, offset, LongTuple(a[2], "size"), LongTuple(a[3], "stride"));
            case "torch._utils._rebuild_parameter":
                return a.Length >= 1 && a[0] is TorchTensorRef t ? t : throw Bad("_rebuild_parameter expects a tensor");
            case "collections.OrderedDict":
                if (a.Length != 0) throw Bad("OrderedDict with constructor arguments is not supported");
                return new PickleDict();
            default:
                throw Bad($"REDUCE of '{f}' is not allowed");
        }
    }

    private object NewObj(object? cls, object? args)
    {
        if (args is not object?[]) throw Bad("NEWOBJ arguments are not a tuple");
        return (cls as PickleGlobal)?.ToString() switch
        {
            "argparse.Namespace" => new PickleObject("argparse.Namespace"),
            "collections.OrderedDict" => new PickleDict(),
            _ => throw Bad($"NEWOBJ of '{cls}' is not allowed"),
        };
    }

    private void Build(object? target, object? state)
    {
        switch (target)
        {
            case PickleObject o: o.State = state; break;
            case PickleDict d: d.State = state; break;   // OrderedDict._metadata (torch's version info)
            case TorchTensorRef: break;                   // tensor __setstate__ extras (hooks) are not needed
            default: throw Bad($"BUILD on {Describe(target)} is not allowed");
        }
    }

    private TorchStorageRef PersistentLoad(object? pid)
    {
        if (pid is not object?[] { Length: 5 } t || t[0] is not "storage" || t[1] is not PickleGlobal type
            || t[2] is not string key || t[3] is not string location || t[4] is not long numel || numel < 0)
            throw Bad("persistent id is not ('storage', type, key, location, numel)");
        var dtype = type.Module == "torch" ? DTypes.FromTorchStorage(type.Name) : null;
        if (dtype is null) throw Bad($"storage type '{type}' is not supported");
        if (storages.TryGetValue(key, out var known))
            return known.Type == dtype && known.Numel == numel ? known : throw Bad($"storage '{key}' is declared twice with different types or sizes");
        return storages[key] = new TorchStorageRef(key, dtype.Value, numel, location);
    }

    private void SetItems()
    {
        var items = PopToMark();
        if (items.Count % 2 != 0) throw Bad("SETITEMS with an odd number of values");
        var d = Top<PickleDict>("SETITEMS");
        for (int i = 0; i < items.Count; i += 2) d.Set(items[i], items[i + 1]);
    }

    private long[] LongTuple(object? v, string what)
    {
        if (v is not object?[] t) throw Bad($"tensor {what} is not a tuple");
        var r = new long[t.Length];
        for (int i = 0; i < t.Length; i++) r[i] = t[i] is long x ? x : throw Bad($"tensor {what} holds a non-integer");
        return r;
    }

    private long Long1()
    {
        int n = U8();
        if (n > 8) throw Bad($"LONG1 of {n} bytes does not fit 64 bits");
        var b = Bytes(n);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) v = (v << 8) | b[i];
        if (n is > 0 and < 8 && (b[n - 1] & 0x80) != 0) v -= 1L << (8 * n);   // two's complement sign
        return v;
    }

    private string Line()
    {
        int end = Array.IndexOf(data, (byte)'\n', pos);
        if (end < 0 || end - pos > 256) throw Bad("GLOBAL name is not a short newline-terminated line");
        string s = Encoding.ASCII.GetString(data, pos, end - pos);
        pos = end + 1;
        return s;
    }

    private string Utf8(long length)
    {
        var b = Bytes(length);
        try { return StrictUtf8.GetString(b); }
        catch (DecoderFallbackException) { throw Bad("string is not valid UTF-8"); }
    }

    private ReadOnlySpan<byte> Bytes(long n)
    {
        if (n < 0 || n > data.Length - pos) throw Bad($"needs {n} bytes, {data.Length - pos} left (truncated?)");
        var s = data.AsSpan(pos, (int)n);
        pos += (int)n;
        return s;
    }

    private byte U8() => pos < data.Length ? data[pos++] : throw Bad("unexpected end of data (truncated?)");

    private object? Get(long key) => memo.TryGetValue(key, out var v) ? v : throw Bad($"memo key {key} was never stored");

    private object? Pop()
    {
        if (stack.Count == 0 || stack[^1] == Mark) throw Bad("stack underflow");
        var v = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return v;
    }

    private object? Peek() => stack.Count > 0 && stack[^1] != Mark ? stack[^1] : throw Bad("stack underflow");

    private T Top<T>(string op) where T : class =>
        Peek() as T ?? throw Bad($"{op} target is {Describe(stack[^1])}, not a {typeof(T).Name}");

    private List<object?> PopToMark()
    {
        int m = stack.LastIndexOf(Mark);
        if (m < 0) throw Bad("no MARK on the stack");
        var items = stack.GetRange(m + 1, stack.Count - m - 1);
        stack.RemoveRange(m, stack.Count - m);
        return items;
    }

    private static string Describe(object? v) => v?.GetType().Name ?? "None";

    private InvalidDataException Bad(string message) => new($"pickle '{source}' at byte {opStart}: {message}");
}
