using System.Diagnostics.CodeAnalysis;

namespace IdentityBridge.Saml.Bindings;

/// <summary>Why a binding refused its input: a stable code from <see cref="BindingCodes"/> and a message saying what was wrong.</summary>
public sealed record BindingError(string Code, string Message);

/// <summary>The outcome of a binding operation on untrusted input: either a value or an error, never an exception.</summary>
public sealed class BindingResult<T> where T : class
{
    private BindingResult(T? value, BindingError? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>The value, set only when <see cref="Succeeded"/>.</summary>
    public T? Value { get; }

    /// <summary>The error, set only when not <see cref="Succeeded"/>.</summary>
    public BindingError? Error { get; }

    /// <summary>True when the input was accepted and <see cref="Value"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    /// <summary>The error code, or null on success.</summary>
    public string? Code => Error?.Code;

    internal static BindingResult<T> Success(T value) => new(value, null);

    internal static BindingResult<T> Failure(string code, string message) => new(null, new BindingError(code, message));

    internal static BindingResult<T> Failure(BindingError error) => new(null, error);
}
