using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Lets -Type take a type name ('Int32', 'int', 'uint64', …) or a [type]; refuses every type but the ten numeric ones MemMap reads and writes.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NumericTypeTransformationAttribute : ArgumentTransformationAttribute
{
    /// <inheritdoc/>
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        try
        {
            return (inputData is PSObject wrapped ? wrapped.BaseObject : inputData) switch
            {
                Type type => NumericValueTypes.Require(type),
                string name => NumericValueTypes.Parse(name),
                var other => NumericValueTypes.Parse(other?.ToString() ?? ""),
            };
        }
        catch (ArgumentException error)
        {
            throw new ArgumentTransformationMetadataException(error.Message.Split(" (Parameter '")[0], error);
        }
    }
}
