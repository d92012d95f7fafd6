using static CnnGen.Generator.Emit.Format;

namespace CnnGen.Generator.Emit
{
    /// <summary>Which samples the spans of an emitted step cover, and the im2col workspace it uses: the whole batch (a pass's
    /// completion helpers and the backward pass) or one chunk of it (<c>ForwardSamples</c>: samples [first, first + batch),
    /// with the workspace of the slot, one per thread running chunks).</summary>
    internal sealed class SampleSpans
    {
        /// <summary>Samples [0, batch) and the whole workspace.</summary>
        public static readonly SampleSpans Batch = new(chunk: false);

        /// <summary>Samples [first, first + batch) and the local <c>columns</c> (the slot's workspace).</summary>
        public static readonly SampleSpans Chunk = new(chunk: true);

        private readonly bool _chunk;

        private SampleSpans(bool chunk) => _chunk = chunk;

        /// <summary>The part of <paramref name="buffer"/> these samples use.</summary>
        public string Of(string buffer, long perSample) =>
            _chunk ? $"{buffer}.AsSpan(first * {N(perSample)}, batch * {N(perSample)})" : Span(buffer, perSample);

        /// <summary>The im2col workspace these samples use.</summary>
        public string Workspace => _chunk ? "columns" : "_columns";
    }
}
