// System.Numerics.Tensors also defines a Tensor type; ours is the one meant everywhere here.
global using Tensor = DenseDino.Numerics.Tensor;
