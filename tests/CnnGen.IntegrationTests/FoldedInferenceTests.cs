using CnnGen.IntegrationTests.Networks;

namespace CnnGen.IntegrationTests;

/// <summary>
/// An inference-mode pass folds each ReLU that feeds a max pool into the pool (one kernel, no ReLU output, no arg-max) and
/// fills those in on demand. Everything observable must equal a training-mode pass of the same network: logits, every
/// layer's activation, and the gradients of a Backward that follows an inference-mode Loss.
/// </summary>
public sealed class FoldedInferenceTests
{
    public static TheoryData<string> Networks => new() { nameof(SimpleConvNet), nameof(GradConvPadMaxPool), nameof(GradTwoPools) };

    private static INetwork Create(string name) => name switch
    {
        nameof(SimpleConvNet) => new SimpleConvNet(4),
        nameof(GradConvPadMaxPool) => new GradConvPadMaxPool(4),
        _ => new GradTwoPools(4),
    };

    private static (float[] Input, int[] Labels) Batch(INetwork net, int batch)
    {
        var random = new Random(17);
        float[] input = Enumerable.Range(0, batch * net.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int[] labels = Enumerable.Range(0, batch).Select(_ => random.Next(net.OutputSize)).ToArray();
        return (input, labels);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Inference_pass_matches_training_pass_layer_by_layer(string name)
    {
        INetwork training = Create(name), inference = Create(name);
        inference.IsTraining = false;
        var (input, _) = Batch(training, 5);
        float[] expected = training.Forward(input).ToArray();
        float[] actual = inference.Forward(input).ToArray();
        Assert.Equal(expected, actual);
        for (int layer = 0; layer < training.Layers.Count; layer++)
        {
            Assert.Equal(training.GetActivation(layer).ToArray(), inference.GetActivation(layer).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Backward_after_an_inference_mode_loss_fills_in_what_the_pass_left_out(string name)
    {
        INetwork training = Create(name), inference = Create(name);
        var (input, labels) = Batch(training, 3);
        float lossTraining = training.Loss(input, labels);
        training.Backward();
        inference.IsTraining = false;
        float lossInference = inference.Loss(input, labels);
        inference.Backward();
        Assert.Equal(lossTraining, lossInference);
        for (int p = 0; p < training.Parameters.Count; p++)
        {
            Assert.Equal(training.Parameters[p].Gradients.ToArray(), inference.Parameters[p].Gradients.ToArray());
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Folded_relu_output_is_the_relu_of_its_input_when_asked_for(bool training)
    {
        var net = new SimpleConvNet(9) { IsTraining = training };
        var (input, _) = Batch(net, 4);
        net.Forward(input);
        float[] convolution = net.GetActivation(1).ToArray();
        float[] relu = net.GetActivation(2).ToArray();
        Assert.Equal(convolution.Select(v => Math.Max(v, 0f)).ToArray(), relu);
        Assert.Contains(relu, v => v > 0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Folded_convolution_output_asked_for_is_the_convolution_of_the_input(bool training)
    {
        // Both modes run convolution, ReLU and max pool in one pass and never write the convolution's output: asked for,
        // it must be exactly what the convolution kernel gives, and asked for again after another pass, that pass's.
        var net = new SimpleConvNet(9) { IsTraining = training };
        var geometry = new CnnGen.Kernels.ConvGeometry(1, 28, 28, 30, 5, 1, 0);
        float[] columns = new float[CnnGen.Kernels.Conv2D.WorkspaceSize(geometry)];
        for (int pass = 0; pass < 2; pass++)
        {
            var (input, _) = Batch(net, 3 + pass);
            net.Forward(input);
            float[] expected = new float[(3 + pass) * geometry.OutputSize];
            CnnGen.Kernels.Conv2D.Forward(geometry, 3 + pass, input, net.Parameters[0].Values, net.Parameters[1].Values, expected, columns);
            Assert.Equal(expected, net.GetActivation(1).ToArray());
        }
    }
}
