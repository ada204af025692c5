namespace IdentityBridge.Expressions;

/// <summary>
/// Stable codes of the problems this library reports. Entra names none of these (its portal shows only a message),
/// so they are IdentityBridge's own: IDB30xx for expressions that do not parse, IDB31xx for evaluation, IDB32xx for
/// synchronization schemas and scoping filters.
/// </summary>
public static class ErrorCodes
{
    // ---- parsing (spec §3.2) -----------------------------------------------------------------------------------
    public const string EmptyExpression = "IDB3001";
    public const string ExpressionTooLong = "IDB3002";
    public const string UnexpectedCharacter = "IDB3003";
    public const string UnterminatedString = "IDB3004";
    public const string UnterminatedAttribute = "IDB3005";
    public const string MissingParenthesis = "IDB3006";
    public const string UnknownFunction = "IDB3007";
    public const string WrongArgumentCount = "IDB3008";
    public const string MissingArgument = "IDB3009";
    public const string ComparisonNotAllowed = "IDB3010";
    public const string NumberOutOfRange = "IDB3011";
    public const string NestedSelectUniqueValue = "IDB3012";
    public const string NestingTooDeep = "IDB3013";
    public const string InvalidArgumentCombination = "IDB3014";
    public const string FunctionWithoutParentheses = "IDB3015";
    public const string EmptyAttributeName = "IDB3016";
    public const string InvalidSourceTree = "IDB3017";

    // ---- evaluation (spec §3.3) --------------------------------------------------------------------------------
    public const string InvalidRegularExpression = "IDB3101";
    public const string InvalidDate = "IDB3102";
    public const string InvalidNumber = "IDB3103";
    public const string InvalidBoolean = "IDB3104";
    public const string MultiValuedNotAllowed = "IDB3105";
    public const string InvalidArgument = "IDB3106";
    public const string RegularExpressionTimeout = "IDB3107";
    public const string NoDefaultDomain = "IDB3108";
    public const string NoUniqueValue = "IDB3109";
    public const string UniquenessCheckRequired = "IDB3110";

    // ---- synchronization schema and scoping filters (spec §3.1, §4, §5.4) --------------------------------------
    public const string InvalidJson = "IDB3201";
    public const string UnknownTargetAttribute = "IDB3202";
    public const string DuplicateTargetAttribute = "IDB3203";
    public const string NoMatchingAttribute = "IDB3204";
    public const string ExpressionDoesNotParse = "IDB3205";
    public const string InvalidEnumerationValue = "IDB3206";
    public const string DuplicateMatchingPriority = "IDB3207";
    public const string UnknownScopingOperator = "IDB3208";
    public const string InvalidScopingValue = "IDB3209";
    public const string UnsupportedScopingAttribute = "IDB3210";
    public const string SelectUniqueValueMisused = "IDB3211";
    public const string ExpressionTreeMismatch = "IDB3212";
    public const string MissingProperty = "IDB3213";
}
