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
}
