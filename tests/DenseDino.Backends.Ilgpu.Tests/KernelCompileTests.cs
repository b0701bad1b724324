using DenseDino.Backends.Ilgpu.Kernels;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace DenseDino.Backends.Ilgpu.Tests;

/// <summary>
/// Every [Kernel] compiled to PTX (SM 7.0, 8.0, 9.0) and OpenCL C without a device, so CUDA or
/// OpenCL breakage fails CI on machines that have neither.
/// </summary>
public sealed class KernelCompileTests
{
    public static TheoryData<string> Targets => new() { "PTX SM_70", "PTX SM_80", "PTX SM_90", "OpenCL C 2.0" };

    private static Backend MakeBackend(Context context, string target) => target switch
    {
        "PTX SM_70" => Ptx(context, CudaArchitecture.SM_70),
        "PTX SM_80" => Ptx(context, CudaArchitecture.SM_80),
        "PTX SM_90" => Ptx(context, CudaArchitecture.SM_90),
        _ => new CLBackend(context,
            new CLCapabilityContext(float16: false, float64: false, genericAddressSpace: false, int64_Atomics: false, subGroups: false),
            CLDeviceVendor.Other, CLCVersion.CL20),
    };

    private static PTXBackend Ptx(Context context, CudaArchitecture arch) =>
        new(context, new CudaCapabilityContext(arch), arch, CudaInstructionSet.ISA_78, null!);

    [Fact]
    public void CatalogFindsTheKernels() => Assert.True(KernelCatalog.All.Count >= 30, $"only {KernelCatalog.All.Count} kernels found");

    [Theory, MemberData(nameof(Targets))]
    public void EveryKernelCompiles(string target)
    {
        var failures = new List<string>();
        Context? context = null;
        Backend? backend = null;
        try
        {
            foreach (var (method, grouped) in KernelCatalog.All)
            {
                context ??= Context.Create(b => b.EnableAlgorithms());
                backend ??= MakeBackend(context, target);
                try
                {
                    var entry = grouped ? EntryPointDescription.FromExplicitlyGroupedKernel(method) : EntryPointDescription.FromImplicitlyGroupedKernel(method);
                    var kernel = backend.Compile(entry, KernelSpecialization.Empty);
                    Assert.NotNull(kernel);
                }
                catch (Exception e)
                {
                    failures.Add($"{method.DeclaringType!.Name}.{method.Name}: {e.GetType().Name}: {e.Message} {e.InnerException?.Message}");
                    // A failed compile can poison the context: start afresh.
                    backend.Dispose();
                    context.Dispose();
                    backend = null;
                    context = null;
                }
            }
        }
        finally
        {
            backend?.Dispose();
            context?.Dispose();
        }
        Assert.True(failures.Count == 0, $"{target}: {failures.Count} of {KernelCatalog.All.Count} kernels failed:\n" + string.Join("\n", failures));
    }
}
