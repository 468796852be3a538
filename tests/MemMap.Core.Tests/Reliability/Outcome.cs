namespace MemMap.Tests.Reliability;

/// <summary>What a step produced, as text both sides can be compared on: "ok …", bytes, values, or the error's type (and fault, offset, errno).</summary>
public sealed record Outcome(string Text)
{
    public static Outcome Ok(string detail = "") => new(detail.Length == 0 ? "ok" : $"ok {detail}");
    public static Outcome Error<T>() where T : Exception => new(typeof(T).Name);
    public static Outcome Access(MappingAccessFault fault, long offset) => new($"MappingAccessException({fault} at {offset})");
    public static Outcome SystemCall(string call, string errno) => new($"SystemCallException({call}: {errno})");
    public static Outcome Bytes(byte[] bytes) => new(bytes.Length <= 48
        ? $"bytes[{bytes.Length}] {Convert.ToHexString(bytes)}"
        : $"bytes[{bytes.Length}] {Convert.ToHexString(bytes, 0, 16)}… sha256 {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))[..16]}");
    public static Outcome Values(IEnumerable<long> values) => new($"values [{string.Join(", ", values)}]");

    public static Outcome Of(Exception error) => error switch
    {
        MappingAccessException access => Access(access.Fault, access.Offset),
        SystemCallException call => SystemCall(call.SystemCall, call.ErrnoName),
        _ => new(error.GetType().Name),
    };

    public override string ToString() => Text;
}
