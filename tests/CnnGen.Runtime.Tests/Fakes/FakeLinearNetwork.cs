using CnnGen;

namespace CnnGen.Runtime.Tests.Fakes;

/// <summary>
/// A hand-written linear softmax classifier, <c>logits = x W + b</c> with <c>W (inputs, classes)</c>, implementing
/// <see cref="INetwork"/> minimally for training tests. With <c>wrongGradient</c> its backward pass forgets the
/// <c>1 / batch</c> factor on the bias gradient, a typical bug a gradient check must catch. An optional dropout on the
/// input (drawn from its own generator) makes the forward pass random.
/// </summary>
public sealed class FakeLinearNetwork : INetwork
{
    private readonly Parameter _w;
    private readonly Parameter _b;
    private readonly Parameter[] _parameters;
    private readonly bool _wrongGradient;
    private readonly float _dropout;
    private CnnGen.Kernels.SplitMix64 _random = new(1);
    private float[] _input = [];
    private float[] _mask = [];
    private float[] _logits = [];
    private float[] _probabilities = [];
    private int[] _labels = [];
    private int _batch;

    public FakeLinearNetwork(int inputs, int classes, bool wrongGradient = false, float dropout = 0f)
    {
        _w = new Parameter("W1", [inputs, classes], ParameterRole.Weight, inputs, classes, InitKind.Xavier);
        _b = new Parameter("b1", [classes], ParameterRole.Bias, inputs, classes, InitKind.Zeros);
        _parameters = [_w, _b];
        _wrongGradient = wrongGradient;
        _dropout = dropout;
        InputSize = inputs;
        OutputSize = classes;
    }

    public int ForwardCount { get; private set; }

    public string Name => _wrongGradient ? "FakeLinearNetworkWithWrongGradient" : "FakeLinearNetwork";
    public TensorShape InputShape => new(InputSize, 1, 1);
    public int InputSize { get; }
    public int OutputSize { get; }
    public long ParameterCount => _w.Length + _b.Length;
    public IReadOnlyList<Parameter> Parameters => _parameters;
    public IReadOnlyList<StateBuffer> States { get; } = [];
    public IReadOnlyList<LayerInfo> Layers => [new LayerInfo(1, LayerKind.Affine, "Affine", InputShape, new TensorShape(OutputSize, 1, 1), ParameterCount, 2L * InputSize * OutputSize)];
    public string Summary => Name;
    public ulong SpecFingerprint => 42;
    public bool IsTraining { get; set; } = true;
    public int BatchCapacity => _batch;
    public ReadOnlySpan<float> Probabilities => _probabilities.AsSpan(0, _batch * OutputSize);

    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> input)
    {
        ForwardCount++;
        int batch = input.Length / InputSize;
        if (batch * InputSize != input.Length) throw new ArgumentException("Input length is not a multiple of the input size.");
        Ensure(batch);
        _batch = batch;
        input.CopyTo(_input);
        for (int i = 0; i < input.Length; i++)
        {
            _mask[i] = IsTraining && _dropout > 0f ? (_random.NextSingle() >= _dropout ? 1f / (1f - _dropout) : 0f) : 1f;
            _input[i] *= _mask[i];
        }

        for (int n = 0; n < batch; n++)
        {
            for (int k = 0; k < OutputSize; k++)
            {
                double s = _b.Values[k];
                for (int j = 0; j < InputSize; j++) s += (double)_input[n * InputSize + j] * _w.Values[j * OutputSize + k];
                _logits[n * OutputSize + k] = (float)s;
            }
        }

        return _logits.AsSpan(0, batch * OutputSize);
    }

    public float Loss(ReadOnlySpan<float> input, ReadOnlySpan<int> labels)
    {
        Forward(input);
        if (labels.Length != _batch) throw new ArgumentException("One label per sample.");
        labels.CopyTo(_labels);
        double loss = 0;
        for (int n = 0; n < _batch; n++)
        {
            Span<float> z = _logits.AsSpan(n * OutputSize, OutputSize);
            Span<float> p = _probabilities.AsSpan(n * OutputSize, OutputSize);
            float max = z[0];
            foreach (float v in z) max = Math.Max(max, v);
            double sum = 0;
            for (int k = 0; k < OutputSize; k++) sum += Math.Exp(z[k] - max);
            for (int k = 0; k < OutputSize; k++) p[k] = (float)(Math.Exp(z[k] - max) / sum);
            loss -= z[labels[n]] - max - Math.Log(sum);
        }

        return (float)(loss / _batch);
    }

    public void Backward()
    {
        float[] dw = _w.Gradients, db = _b.Gradients;
        Array.Clear(dw);
        Array.Clear(db);
        for (int n = 0; n < _batch; n++)
        {
            for (int k = 0; k < OutputSize; k++)
            {
                float dz = _probabilities[n * OutputSize + k] - (k == _labels[n] ? 1f : 0f);
                db[k] += _wrongGradient ? dz : dz / _batch;
                for (int j = 0; j < InputSize; j++) dw[j * OutputSize + k] += _input[n * InputSize + j] * dz / _batch;
            }
        }
    }

    public ReadOnlySpan<float> GetActivation(int layerIndex) => _logits.AsSpan(0, _batch * OutputSize);

    public void SetSeed(int seed) => _random = new CnnGen.Kernels.SplitMix64((ulong)seed);

    private void Ensure(int batch)
    {
        if (_logits.Length >= batch * OutputSize) return;
        _input = new float[batch * InputSize];
        _mask = new float[batch * InputSize];
        _logits = new float[batch * OutputSize];
        _probabilities = new float[batch * OutputSize];
        _labels = new int[batch];
    }
}
