using System.Text.Json;
using System.Text.Json.Serialization;

namespace DenseDino.Eval;

/// <summary>One JSON style for every evaluation result (camelCase, indented; NaN written as "NaN").</summary>
public static class EvalJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
