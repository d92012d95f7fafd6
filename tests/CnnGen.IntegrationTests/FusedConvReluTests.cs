using CnnGen.IntegrationTests.Networks;
using CnnGen.Kernels;

namespace CnnGen.IntegrationTests;

/// <summary>
/// A convolution followed by a ReLU (and no max pool) runs as one kernel that writes only the ReLU's output; the
/// convolution's own output is computed when asked for. Everything observable must equal the layers run one by one
/// through the plain kernels, in both modes.
/// </summary>
public sealed class FusedConvReluTests
{
    private static readonly ConvGeometry First = new(2, 6, 6, 3, 3, 1, 1), Second = new(3, 6, 6, 4, 3, 1, 0);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Logits_and_every_activation_equal_the_layers_run_one_by_one(bool training)
    {
        var net = new GoldenConvRelu(5) { IsTraining = training };
        const int batch = 3;
        var random = new Random(23);
        float[] input = Enumerable.Range(0, batch * GoldenConvRelu.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] logits = net.Forward(input).ToArray();

        // The same layers through the plain kernels, one at a time.
        float[] columns = new float[Math.Max(Conv2D.WorkspaceSize(First), Conv2D.WorkspaceSize(Second))];
        float[] conv1 = new float[batch * First.OutputSize], relu2 = new float[conv1.Length];
        float[] conv3 = new float[batch * Second.OutputSize], relu4 = new float[conv3.Length], expected = new float[batch * 3];
        Conv2D.Forward(First, batch, input, net.Parameters[0].Values, net.Parameters[1].Values, conv1, columns);
        Activations.ReluForward(conv1, relu2);
        Conv2D.Forward(Second, batch, relu2, net.Parameters[2].Values, net.Parameters[3].Values, conv3, columns);
        Activations.ReluForward(conv3, relu4);
        Dense.Forward(batch, Second.OutputSize, 3, relu4, net.Parameters[4].Values, net.Parameters[5].Values, expected);

        Assert.Equal(expected, logits);
        Assert.Equal(relu2, net.GetActivation(2).ToArray());
        Assert.Equal(relu4, net.GetActivation(4).ToArray());
        Assert.Equal(conv1, net.GetActivation(1).ToArray());
        Assert.Equal(conv3, net.GetActivation(3).ToArray());
        Assert.Contains(conv1, v => v < 0);  // the ReLU changed something, so the two differ
    }

    [Fact]
    public void A_convolution_output_asked_for_is_the_latest_passes()
    {
        // The convolution's output is filled in once per pass, on demand: a second pass must not return the first's.
        var net = new GoldenConvRelu(5);
        float[] a = Enumerable.Range(0, GoldenConvRelu.InputSize).Select(i => (float)Math.Sin(i)).ToArray();
        float[] b = Enumerable.Range(0, GoldenConvRelu.InputSize).Select(i => (float)Math.Cos(3 * i)).ToArray();
        net.Forward(a);
        float[] first = net.GetActivation(1).ToArray();
        net.Forward(b);
        float[] second = net.GetActivation(1).ToArray();
        Assert.NotEqual(first, second);
        net.Forward(a);
        Assert.Equal(first, net.GetActivation(1).ToArray());
    }
}
