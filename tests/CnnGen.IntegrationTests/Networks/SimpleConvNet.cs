using CnnGen;

namespace CnnGen.IntegrationTests.Networks
{
    /// <summary>The notes' SimpleConvNet, exactly as the book defines it.</summary>
    [Input(1, 28, 28)]
    [Conv(30, 5)] [Relu] [MaxPool(2)]
    [Affine(100)] [Relu] [Affine(10)]
    [SoftmaxWithLoss]
    public partial class SimpleConvNet { }
}
