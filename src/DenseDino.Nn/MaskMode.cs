namespace DenseDino.Nn;

/// <summary>
/// Attention masks over the sequence [CLS][REF_1..REF_M][PATCH_1..N] (rows = queries, columns =
/// keys), as prepare_attn_mask in the official vision_transformer.py.
/// </summary>
public enum MaskMode
{
    /// <summary>`020` / None: plain self-attention over every token.</summary>
    None,
    /// <summary>Every query is blocked from every REF key.</summary>
    All2Pos,
    /// <summary>As <see cref="All2Pos"/>, and REF queries are blocked from the CLS key.</summary>
    All2PosPos2Cls,
    /// <summary>As <see cref="All2PosPos2Cls"/>, but each token may attend to itself (the default).</summary>
    All2PosPos2ClsEye,
    /// <summary>Every query is blocked from the CLS and REF keys, except each token from itself.</summary>
    AllQuery,
}

public static class MaskModes
{
    /// <summary>The official command-line spelling ("020", "all2pos", ..., "all_query").</summary>
    public static MaskMode Parse(string name) => name switch
    {
        "020" or "none" => MaskMode.None,
        "all2pos" => MaskMode.All2Pos,
        "all2pos_pos2cls" => MaskMode.All2PosPos2Cls,
        "all2pos_pos2cls_eye" => MaskMode.All2PosPos2ClsEye,
        "all_query" => MaskMode.AllQuery,
        _ => throw new ArgumentException($"MaskMode: unknown mask mode '{name}' (020, all2pos, all2pos_pos2cls, all2pos_pos2cls_eye, all_query)"),
    };

    /// <summary>
    /// The blocked entries of the (1+M+N)² mask, or null when nothing is blocked. The order of the
    /// official code is kept: the diagonal is re-opened after blocking (eye, all_query).
    /// </summary>
    public static bool[,]? Blocked(MaskMode mode, int refCount, int patchCount)
    {
        if (mode == MaskMode.None) return null;
        int l = 1 + refCount + patchCount;
        var blocked = new bool[l, l];
        switch (mode)
        {
            case MaskMode.All2Pos:
            case MaskMode.All2PosPos2Cls:
            case MaskMode.All2PosPos2ClsEye:
                for (int i = 0; i < l; i++)
                    for (int j = 1; j < 1 + refCount; j++) blocked[i, j] = true;
                if (mode != MaskMode.All2Pos)
                    for (int i = 1; i < 1 + refCount; i++) blocked[i, 0] = true;
                break;
            case MaskMode.AllQuery:
                for (int i = 0; i < l; i++)
                    for (int j = 0; j < 1 + refCount; j++) blocked[i, j] = true;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "MaskMode: unknown mode");
        }
        if (mode is MaskMode.All2PosPos2ClsEye or MaskMode.AllQuery)
            for (int i = 0; i < l; i++) blocked[i, i] = false;
        return blocked;
    }
}
