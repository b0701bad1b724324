using System.Reflection;

namespace DenseDino.Backends.Ilgpu.Kernels;

/// <summary>Every method marked [Kernel] in this assembly (for the offline PTX/OpenCL compile check).</summary>
public static class KernelCatalog
{
    public static IReadOnlyList<(MethodInfo Method, bool Grouped)> All { get; } =
        typeof(KernelCatalog).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Select(m => (Method: m, Attr: m.GetCustomAttribute<KernelAttribute>()))
            .Where(x => x.Attr is not null)
            .Select(x => (x.Method, x.Attr!.Grouped))
            .OrderBy(x => x.Method.DeclaringType!.Name).ThenBy(x => x.Method.Name)
            .ToArray();
}
