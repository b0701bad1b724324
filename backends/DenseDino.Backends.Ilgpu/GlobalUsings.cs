global using ILGPU;
global using ILGPU.Runtime;
global using Tensor = DenseDino.Numerics.Tensor;
