using System;
using System.Text;

namespace CnnGen.Generator.Emit
{
    /// <summary>A small indented text writer; <see cref="Block"/> opens a brace block that closes when disposed.</summary>
    internal sealed class CodeWriter
    {
        private readonly StringBuilder _text = new();
        private int _indent;

        public void Line(string line = "")
        {
            if (line.Length > 0)
            {
                _text.Append(' ', _indent * 4);
            }

            _text.Append(line).Append('\n');
        }

        public void Lines(string text)
        {
            foreach (string line in text.Split('\n'))
            {
                Line(line.TrimEnd('\r'));
            }
        }

        public BlockScope Block(string header, string close = "}")
        {
            Line(header);
            Line("{");
            _indent++;
            return new BlockScope(this, close);
        }

        public void Indent() => _indent++;

        public void Outdent() => _indent--;

        public override string ToString() => _text.ToString();

        internal readonly struct BlockScope : IDisposable
        {
            private readonly CodeWriter _writer;
            private readonly string _close;

            public BlockScope(CodeWriter writer, string close)
            {
                _writer = writer;
                _close = close;
            }

            public void Dispose()
            {
                _writer._indent--;
                _writer.Line(_close);
            }
        }
    }
}
