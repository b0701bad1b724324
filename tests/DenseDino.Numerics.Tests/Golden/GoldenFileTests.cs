namespace DenseDino.Numerics.Tests.Golden;

/// <summary>Structural checks of the committed golden fixtures, so a broken fixture fails CI.</summary>
public class GoldenFileTests
{
    public static TheoryData<string> AllGroups => new(GoldenFile.Groups);

    [Theory]
    [MemberData(nameof(AllGroups))]
    public void Group_is_well_formed(string group)
    {
        var file = GoldenFile.Load(group);
        Assert.Equal(group, file.Group);
        Assert.NotEmpty(file.AllCases);
        Assert.NotEmpty(GoldenFile.Cases(group));

        foreach (var c in file.AllCases)
        {
            Assert.False(string.IsNullOrWhiteSpace(c.Op), $"{c}: empty op");
            Assert.NotEmpty(c.Inputs);
            Assert.NotEmpty(c.Outputs);
            foreach (var (kind, set) in new[] { ("inputs", c.Inputs), ("outputs", c.Outputs), ("upstream", c.Upstream), ("grads", c.Grads) })
            {
                foreach (var (name, t) in set)
                {
                    string where = $"{c} {kind}.{name} {t}";
                    Assert.All(t.Shape, d => Assert.True(d >= 0, $"{where}: negative dim"));
                    Assert.True(t.ShapeLength == t.Data64.Length, $"{where}: shape holds {t.ShapeLength} values, data has {t.Data64.Length}");
                    Assert.Equal(t.Data64.Length, t.Data.Length);
                    Assert.All(t.Data64, v => Assert.True(double.IsFinite(v), $"{where}: non-finite value"));
                }
            }
            foreach (var (name, t) in c.Inputs)
            {
                // The generator rounds inputs to float32: the float32 view must be exact.
                for (int i = 0; i < t.Data64.Length; i++)
                    Assert.True((double)t.Data[i] == t.Data64[i], $"{c} inputs.{name}[{i}] is not float32-representable");
            }
            foreach (var (name, g) in c.Grads)
            {
                Assert.True(c.Inputs.TryGetValue(name, out var input), $"{c}: grad for unknown input '{name}'");
                Assert.Equal(input!.Shape, g.Shape);
            }
            foreach (var (name, w) in c.Upstream)
            {
                Assert.True(c.Outputs.TryGetValue(name, out var output), $"{c}: upstream for unknown output '{name}'");
                Assert.Equal(output!.Shape, w.Shape);
            }
            Assert.True(c.Grads.Count == 0 || c.Upstream.ContainsKey("out"), $"{c}: grads without upstream 'out'");
        }
    }

    [Fact]
    public void Cases_filters_by_op()
    {
        var names = GoldenFile.Cases("matmul", "linear").Select(row => row.Data).ToList();
        Assert.NotEmpty(names);
        Assert.All(names, n => Assert.Equal("linear", GoldenFile.Case("matmul", n).Op));
    }
}
