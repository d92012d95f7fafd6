using System.Runtime.CompilerServices;

namespace CnnGen.Kernels
{
    /// <summary>Which rows of a weight matrix a product visits: the <c>t</c>-th row of its range. Kernels generic over these
    /// struct types are compiled once per walk, the plain row loop and the listed one each without a test inside.</summary>
    internal interface IRowWalk
    {
        int Row(int t);
    }

    /// <summary>Every row: the <c>t</c>-th is row <c>t</c>.</summary>
    internal readonly struct AllRows : IRowWalk
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Row(int t) => t;
    }

    /// <summary>Listed rows (those whose input is not zero, see <see cref="NonzeroIndices"/>).</summary>
    internal readonly unsafe struct ListedRows : IRowWalk
    {
        private readonly int* _list;

        public ListedRows(int* list) => _list = list;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Row(int t) => _list[t];
    }
}
