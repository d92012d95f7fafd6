namespace CnnGen.Generator.Tests;

using LayerKind = CnnGen.Generator.Model.LayerKind;

/// <summary>Shape inference as a pure function: chains of layers in, shapes and diagnostics out.</summary>
public class ShapeInferenceTests
{
    internal static LayerSpec Conv(long filters, long size, long stride = 1, long pad = 0, bool bias = true) =>
        new(LayerKind.Conv, $"Conv({filters}, {size}, Stride = {stride}, Pad = {pad})", null, Count: filters, Size: size, Stride: stride, Pad: pad, Bias: bias);

    internal static LayerSpec MaxPool(long size, long stride = 0, long pad = 0) =>
        new(LayerKind.MaxPool, $"MaxPool({size})", null, Size: size, Stride: stride == 0 ? size : stride, Pad: pad);

    internal static LayerSpec AvgPool(long size, long stride = 0, long pad = 0) =>
        new(LayerKind.AvgPool, $"AvgPool({size})", null, Size: size, Stride: stride == 0 ? size : stride, Pad: pad);

    internal static LayerSpec Affine(long units) => new(LayerKind.Affine, $"Affine({units})", null, Count: units);

    internal static LayerSpec Of(LayerKind kind) => new(kind, $"{kind}", null);

    internal static LayerSpec Residual(bool projection = false) => new(LayerKind.ResidualBegin, "Residual", null, Projection: projection);

    internal static NetworkSpec Spec(long c, long h, long w, params LayerSpec[] layers) =>
        new(null, "Net", "public", EquatableArray<ContainingTypeSpec>.Empty, new InputSpec(c, h, w, null), layers.ToEquatableArray(), null, true, true);

    private static PlanResult Infer(long c, long h, long w, params LayerSpec[] layers) => ShapeInference.Infer(Spec(c, h, w, layers));

    private static string Shapes(PlanResult result) => string.Join(" -> ", result.Plan.Layers.Select(l => l.Out.ToString()));

    [Fact]
    public void SimpleConvNet_matches_the_notes()
    {
        PlanResult result = Infer(1, 28, 28, Conv(30, 5), Of(LayerKind.Relu), MaxPool(2), Affine(100), Of(LayerKind.Relu), Affine(10), Of(LayerKind.SoftmaxWithLoss));
        Assert.Empty(result.Diagnostics);
        Assert.Equal("30x24x24 -> 30x24x24 -> 30x12x12 -> 100 -> 100 -> 10 -> 10", Shapes(result));
        // W1 30*1*5*5 + b1 30, W2 4320*100 + b2 100, W3 100*10 + b3 10 (the notes' parameter shapes).
        Assert.Equal(750 + 30 + 432000 + 100 + 1000 + 10, result.Plan.ParameterCount);
        // 1.73 MFLOP per image: 2 * (25*30*576 + 4320*100 + 100*10).
        Assert.Equal(1_730_000, result.Plan.Flops);
    }

    [Fact]
    public void AlexNet_first_layers_give_the_notes_numbers_with_a_tiling_warning()
    {
        // N=224, F=11, P=3, S=4: (224 - 11 + 6)/4 + 1 = floor(54.75) + 1 = 55, remainder 219 mod 4 = 3.
        PlanResult result = Infer(3, 224, 224, Conv(96, 11, stride: 4, pad: 3), Of(LayerKind.Relu), MaxPool(3, stride: 2), Affine(10), Of(LayerKind.SoftmaxWithLoss));
        Assert.Equal(new Shape(96, 55, 55), result.Plan.Layers[0].Out);
        // 3x3 pooling with stride 2 on 55: (55 - 3)/2 + 1 = 27.
        Assert.Equal(new Shape(96, 27, 27), result.Plan.Layers[2].Out);
        DiagnosticInfo warning = Assert.Single(result.Diagnostics);
        Assert.Equal("CNN002", warning.Id);
        Assert.Contains("(224 - 11 + 2*3) mod 4 = 3", warning.Message);
        Assert.True(result.Plan.IsValid);
    }

    [Theory]
    [InlineData(28, 5, 1, 0, 24)]
    [InlineData(28, 5, 1, 2, 28)]   // the notes' s=1 p=2 keeps the size
    [InlineData(7, 3, 2, 1, 4)]     // the notes' s=2 p=1
    [InlineData(32, 3, 1, 1, 32)]   // VGG's 3x3 pad 1
    [InlineData(5, 5, 1, 0, 1)]
    [InlineData(1, 1, 1, 0, 1)]
    public void Output_size_formula(long n, long f, long s, long p, long expected)
    {
        Assert.Equal(expected, ShapeMath.OutputSize(n, f, s, p));
        PlanResult result = Infer(1, n, n, Conv(4, f, s, p), Affine(2), Of(LayerKind.SoftmaxWithLoss));
        Assert.Equal(new Shape(4, expected, expected), result.Plan.Layers[0].Out);
    }

    [Fact]
    public void Vgg_style_stack_of_3x3_pad_1_keeps_size_until_pooling()
    {
        var layers = new List<LayerSpec>();
        long[] widths = { 64, 64, -1, 128, 128, -1, 256, 256, 256, -1 };
        foreach (long w in widths)
        {
            if (w < 0) layers.Add(MaxPool(2));
            else
            {
                layers.Add(Conv(w, 3, pad: 1));
                layers.Add(Of(LayerKind.Relu));
            }
        }

        layers.Add(Affine(10));
        layers.Add(Of(LayerKind.SoftmaxWithLoss));
        PlanResult result = Infer(3, 32, 32, layers.ToArray());
        Assert.Empty(result.Diagnostics);
        Assert.Equal(new Shape(256, 4, 4), result.Plan.Layers[^3].Out);
        // Two 3x3 convolutions see a 5x5 field with 18 weights per channel pair instead of 25 (the notes' argument).
        Assert.Equal(2 * 3 * 3, 18);
    }

    [Fact]
    public void Kernel_larger_than_input_is_CNN001_with_the_formula()
    {
        PlanResult result = Infer(1, 5, 5, Conv(30, 7), Affine(10), Of(LayerKind.SoftmaxWithLoss));
        DiagnosticInfo error = Assert.Single(result.Diagnostics);
        Assert.Equal("CNN001", error.Id);
        Assert.Equal("Conv(30, 7, Stride = 1, Pad = 0) on input 1x5x5: output height (5 - 7 + 2*0)/1 + 1 = -1 is below 1; use Pad >= 1 or a kernel of at most 5", error.Message);
        Assert.False(result.Plan.IsValid);
    }

    [Fact]
    public void Pool_window_larger_than_input_is_CNN001()
    {
        PlanResult result = Infer(1, 6, 6, Conv(4, 5), MaxPool(3), Affine(10), Of(LayerKind.SoftmaxWithLoss));
        Assert.Equal("CNN001", Assert.Single(result.Diagnostics).Id);
    }

    [Theory]
    [InlineData("Conv")]
    [InlineData("MaxPool")]
    [InlineData("AvgPool")]
    [InlineData("GlobalAvgPool")]
    public void Spatial_layer_after_affine_is_CNN008(string kindName)
    {
        LayerKind kind = Enum.Parse<LayerKind>(kindName);
        LayerSpec spatial = kind switch
        {
            LayerKind.Conv => Conv(1, 1),
            LayerKind.MaxPool => MaxPool(1),
            LayerKind.AvgPool => AvgPool(1),
            _ => Of(kind),
        };
        PlanResult result = Infer(1, 8, 8, Affine(16), spatial, Affine(2), Of(LayerKind.SoftmaxWithLoss));
        Assert.Equal("CNN008", Assert.Single(result.Diagnostics).Id);
    }

    [Fact]
    public void Residual_identity_block_checks_both_shapes()
    {
        PlanResult ok = Infer(8, 8, 8, Residual(), Conv(8, 3, pad: 1), Of(LayerKind.BatchNorm), Of(LayerKind.Relu), Conv(8, 3, pad: 1), Of(LayerKind.ResidualEnd), Affine(2), Of(LayerKind.SoftmaxWithLoss));
        Assert.Empty(ok.Diagnostics);

        PlanResult bad = Infer(8, 8, 8, Residual(), Conv(16, 3, stride: 2, pad: 1), Of(LayerKind.ResidualEnd), Affine(2), Of(LayerKind.SoftmaxWithLoss));
        // 3x3 s2 p1 on 8 leaves (8 - 3 + 2) mod 2 = 1 padded row unread: the CNN002 warning comes first.
        Assert.Equal(new[] { "CNN002", "CNN011" }, bad.Diagnostics.Select(d => d.Id));
        DiagnosticInfo error = bad.Diagnostics[1];
        Assert.Contains("F(x) is 16x4x4 but x is 8x8x8", error.Message);
        Assert.Contains("Projection = true", error.Message);

        PlanResult projected = Infer(8, 8, 8, Residual(projection: true), Conv(16, 3, stride: 2, pad: 1), Of(LayerKind.ResidualEnd), Affine(2), Of(LayerKind.SoftmaxWithLoss));
        Assert.Equal("CNN002", Assert.Single(projected.Diagnostics).Id);
        Assert.True(projected.Plan.IsValid);
        LayerPlan end = projected.Plan.Layers[2];
        // 1x1 conv 8 -> 16 (128 weights) plus BatchNorm gamma and beta (32).
        Assert.Equal(128 + 32, end.ParameterCount);
        Assert.Equal(2, projected.Plan.Layers[0].ProjectionStride);
    }

    [Fact]
    public void Unbalanced_residual_blocks_are_CNN012()
    {
        Assert.Equal("CNN012", Assert.Single(Infer(1, 4, 4, Of(LayerKind.ResidualEnd), Affine(2), Of(LayerKind.SoftmaxWithLoss)).Diagnostics).Id);
        Assert.Equal("CNN012", Assert.Single(Infer(1, 4, 4, Residual(), Affine(2), Of(LayerKind.SoftmaxWithLoss)).Diagnostics).Id);
        Assert.Equal("CNN012", Assert.Single(Infer(1, 4, 4, Residual(), Residual(), Of(LayerKind.ResidualEnd), Of(LayerKind.ResidualEnd), Affine(2), Of(LayerKind.SoftmaxWithLoss)).Diagnostics).Id);
    }

    [Fact]
    public void Softmax_must_be_last_and_single()
    {
        Assert.Equal("CNN005", Assert.Single(Infer(1, 4, 4, Affine(2), Of(LayerKind.SoftmaxWithLoss), Of(LayerKind.Relu)).Diagnostics).Id);
        Assert.Equal("CNN005", Assert.Single(Infer(1, 4, 4, Affine(2), Of(LayerKind.SoftmaxWithLoss), Of(LayerKind.SoftmaxWithLoss)).Diagnostics).Id);
        Assert.Equal("CNN009", Assert.Single(Infer(1, 4, 4, Affine(2)).Diagnostics).Id);
    }

    [Theory]
    [InlineData(0, 3, 1, 0)]
    [InlineData(4, 0, 1, 0)]
    [InlineData(4, 3, 0, 0)]
    [InlineData(4, 3, 1, -1)]
    public void Out_of_range_conv_arguments_are_CNN006(long filters, long size, long stride, long pad)
    {
        Assert.Equal("CNN006", Assert.Single(Infer(1, 8, 8, Conv(filters, size, stride, pad), Affine(2), Of(LayerKind.SoftmaxWithLoss)).Diagnostics).Id);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Dropout_rate_outside_0_1_is_CNN006(double rate)
    {
        var dropout = new LayerSpec(LayerKind.Dropout, "Dropout", null, Rate: rate);
        Assert.Equal("CNN006", Assert.Single(Infer(1, 8, 8, Affine(4), dropout, Affine(2), Of(LayerKind.SoftmaxWithLoss)).Diagnostics).Id);
    }

    [Fact]
    public void Padding_as_large_as_the_kernel_is_CNN010()
    {
        PlanResult result = Infer(1, 8, 8, Conv(2, 3, pad: 3), Affine(2), Of(LayerKind.SoftmaxWithLoss));
        Assert.Contains(result.Diagnostics, d => d.Id == "CNN010");
        Assert.True(result.Plan.IsValid);
    }

    [Theory]
    [InlineData(0, 28, 28)]
    [InlineData(1, -1, 28)]
    [InlineData(1, 28, 0)]
    public void Input_dimension_below_1_is_CNN003(long c, long h, long w)
    {
        Assert.Equal("CNN003", Assert.Single(Infer(c, h, w, Affine(2), Of(LayerKind.SoftmaxWithLoss)).Diagnostics).Id);
    }

    [Fact]
    public void Huge_sizes_are_CNN013_not_an_overflow()
    {
        Assert.Equal("CNN013", Assert.Single(Infer(int.MaxValue, int.MaxValue, int.MaxValue, Affine(2), Of(LayerKind.SoftmaxWithLoss)).Diagnostics).Id);
        Assert.Equal("CNN013", Assert.Single(Infer(1, 28, 28, Affine(int.MaxValue), Of(LayerKind.SoftmaxWithLoss)).Diagnostics).Id);
    }

    [Fact]
    public void Initialisation_follows_the_activation()
    {
        PlanResult result = Infer(1, 8, 8, Conv(2, 3), Of(LayerKind.Relu), Affine(4), Of(LayerKind.Sigmoid), Affine(2), Of(LayerKind.SoftmaxWithLoss));
        Assert.Equal(new[] { "He", "Xavier", "Xavier" }, result.Plan.Layers.Where(l => l.InitKind.Length > 0).Select(l => l.InitKind));
    }
}
