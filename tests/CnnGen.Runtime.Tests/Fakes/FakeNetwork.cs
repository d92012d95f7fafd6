namespace CnnGen.Runtime.Tests.Fakes;

/// <summary>A test-only network: a few parameters and a state buffer, no computation.</summary>
internal sealed class FakeNetwork : INetwork
{
    private readonly Parameter[] _parameters;
    private readonly StateBuffer[] _states;

    /// <summary>W1 (3, 1, 2, 2), b1 (3,), W2 (12, 4), state running_mean1 (3,).</summary>
    public FakeNetwork(string name = "FakeNet", ulong fingerprint = 0x0123456789ABCDEFUL, int w2Out = 4)
    {
        Name = name;
        SpecFingerprint = fingerprint;
        _parameters = new[]
        {
            new Parameter("W1", new[] { 3, 1, 2, 2 }, ParameterRole.Weight, 4, 12, InitKind.He),
            new Parameter("b1", new[] { 3 }, ParameterRole.Bias, 4, 12, InitKind.Zeros),
            new Parameter("W2", new[] { 12, w2Out }, ParameterRole.Weight, 12, w2Out, InitKind.He),
        };
        _states = new[] { new StateBuffer("running_mean1", new[] { 3 }, 0f) };
    }

    /// <summary>Fills every tensor with distinct values derived from <paramref name="seed"/>.</summary>
    public FakeNetwork Fill(int seed)
    {
        var r = new Random(seed);
        foreach (Parameter p in _parameters) for (int i = 0; i < p.Length; i++) p.Values[i] = (float)(r.NextDouble() * 2 - 1);
        foreach (StateBuffer s in _states) for (int i = 0; i < s.Values.Length; i++) s.Values[i] = (float)r.NextDouble();
        return this;
    }

    /// <summary>All values of all tensors, concatenated.</summary>
    public float[] Snapshot() => _parameters.SelectMany(p => p.Values).Concat(_states.SelectMany(s => s.Values)).ToArray();

    public string Name { get; }
    public TensorShape InputShape => new(1, 2, 2);
    public int InputSize => 4;
    public int OutputSize => 4;
    public long ParameterCount => _parameters.Sum(p => (long)p.Length);
    public IReadOnlyList<Parameter> Parameters => _parameters;
    public IReadOnlyList<StateBuffer> States => _states;
    public IReadOnlyList<LayerInfo> Layers => Array.Empty<LayerInfo>();
    public string Summary => Name;
    public ulong SpecFingerprint { get; }
    public bool IsTraining { get; set; }
    public int BatchCapacity => 0;
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> input) => throw new NotSupportedException();
    public float Loss(ReadOnlySpan<float> input, ReadOnlySpan<int> labels) => throw new NotSupportedException();
    public void Backward() => throw new NotSupportedException();
    public ReadOnlySpan<float> Probabilities => throw new NotSupportedException();
    public ReadOnlySpan<float> GetActivation(int layerIndex) => throw new NotSupportedException();
    public void SetSeed(int seed) { }
}

/// <summary>A network shaped like the notes' SimpleConvNet (parameters only), for loading the mnist-book weights.</summary>
internal sealed class FakeSimpleConvNet : INetwork
{
    private readonly Parameter[] _parameters =
    {
        new("W1", new[] { 30, 1, 5, 5 }, ParameterRole.Weight, 25, 750, InitKind.He),
        new("b1", new[] { 30 }, ParameterRole.Bias, 25, 750, InitKind.Zeros),
        new("W2", new[] { 4320, 100 }, ParameterRole.Weight, 4320, 100, InitKind.He),
        new("b2", new[] { 100 }, ParameterRole.Bias, 4320, 100, InitKind.Zeros),
        new("W3", new[] { 100, 10 }, ParameterRole.Weight, 100, 10, InitKind.He),
        new("b3", new[] { 10 }, ParameterRole.Bias, 100, 10, InitKind.Zeros),
    };

    public string Name => "SimpleConvNet";
    public TensorShape InputShape => new(1, 28, 28);
    public int InputSize => 784;
    public int OutputSize => 10;
    public long ParameterCount => _parameters.Sum(p => (long)p.Length);
    public IReadOnlyList<Parameter> Parameters => _parameters;
    public IReadOnlyList<StateBuffer> States => Array.Empty<StateBuffer>();
    public IReadOnlyList<LayerInfo> Layers => Array.Empty<LayerInfo>();
    public string Summary => Name;
    public ulong SpecFingerprint => 1;
    public bool IsTraining { get; set; }
    public int BatchCapacity => 0;
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> input) => throw new NotSupportedException();
    public float Loss(ReadOnlySpan<float> input, ReadOnlySpan<int> labels) => throw new NotSupportedException();
    public void Backward() => throw new NotSupportedException();
    public ReadOnlySpan<float> Probabilities => throw new NotSupportedException();
    public ReadOnlySpan<float> GetActivation(int layerIndex) => throw new NotSupportedException();
    public void SetSeed(int seed) { }
}
