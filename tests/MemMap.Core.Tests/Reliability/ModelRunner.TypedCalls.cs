namespace MemMap.Tests.Reliability;

// The real typed calls of a step, by the op's value type (the model keeps every value as a long).
public sealed partial class ModelRunner
{
    private static IEnumerable<long> ReadValues(MemoryMapping mapping, ModelOp op)
    {
        int count = (int)op.Count!.Value;
        return op.ValueType switch
        {
            ModelValueType.I16 => mapping.ReadValues<short>(op.Offset, count, op.Flag).Select(v => (long)v),
            ModelValueType.I32 => mapping.ReadValues<int>(op.Offset, count, op.Flag).Select(v => (long)v),
            ModelValueType.I64 => mapping.ReadValues<long>(op.Offset, count, op.Flag),
            _ => mapping.ReadValues<double>(op.Offset, count, op.Flag).Select(BitConverter.DoubleToInt64Bits),
        };
    }

    /// <summary>The real AddValue (the new value) or CompareExchangeValue (1 when it wrote), by the op's type; F64 through the run-time typed call, which refuses it.</summary>
    private static long Atomic(MemoryMapping mapping, ModelOp op)
    {
        long value = op.Values[0], replacement = op.Values[1];
        bool add = op.Kind == ModelOpKind.AddValue;
        return op.ValueType switch
        {
            ModelValueType.I16 => add ? mapping.AddValue(op.Offset, (short)value) : mapping.CompareExchangeValue(op.Offset, (short)value, (short)replacement) ? 1 : 0,
            ModelValueType.I32 => add ? mapping.AddValue(op.Offset, (int)value) : mapping.CompareExchangeValue(op.Offset, (int)value, (int)replacement) ? 1 : 0,
            ModelValueType.I64 => add ? mapping.AddValue(op.Offset, value) : mapping.CompareExchangeValue(op.Offset, value, replacement) ? 1 : 0,
            _ => add ? Convert.ToInt64(mapping.AddValue(typeof(double), op.Offset, value)) : mapping.CompareExchangeValue(typeof(double), op.Offset, value, replacement) ? 1 : 0,
        };
    }

    private static void WriteValues(MemoryMapping mapping, ModelOp op)
    {
        switch (op.ValueType)
        {
            case ModelValueType.I16: mapping.WriteValues<short>(op.Offset, op.Values.Select(v => (short)v).ToArray(), op.Flag); break;
            case ModelValueType.I32: mapping.WriteValues<int>(op.Offset, op.Values.Select(v => (int)v).ToArray(), op.Flag); break;
            case ModelValueType.I64: mapping.WriteValues<long>(op.Offset, op.Values, op.Flag); break;
            default: mapping.WriteValues<double>(op.Offset, op.Values.Select(BitConverter.Int64BitsToDouble).ToArray(), op.Flag); break;
        }
    }
}
