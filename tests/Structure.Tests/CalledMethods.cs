using System.Reflection;
using System.Reflection.Emit;

namespace Live.Structure.Tests;

/// <summary>
/// The methods an assembly's own code calls or makes delegates of, found by walking the IL of every method
/// body (lambdas, local functions and async state machines included, as they are methods of their own).
/// </summary>
internal static class CalledMethods
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The metadata tokens of the methods of <paramref name="assembly"/> that its code calls.</summary>
    public static HashSet<int> In(Assembly assembly)
    {
        var called = new HashSet<int>();
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
            {
                if (method.GetMethodBody()?.GetILAsByteArray() is { } il)
                {
                    AddCalls(method, il, called);
                }
            }
        }

        return called;
    }

    private static void AddCalls(MethodBase method, byte[] il, HashSet<int> called)
    {
        var typeArguments = method.DeclaringType is { IsGenericType: true } type ? type.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var at = 0;
        while (at < il.Length)
        {
            OpCode op;
            if (il[at] == 0xFE)
            {
                op = OpCodesByValue[unchecked((short)(0xFE00 | il[at + 1]))];
                at += 2;
            }
            else
            {
                op = OpCodesByValue[il[at]];
                at++;
            }

            if (op.OperandType == OperandType.InlineMethod)
            {
                var target = method.Module.ResolveMethod(BitConverter.ToInt32(il, at), typeArguments, methodArguments);
                if (target is not null && target.Module == method.Module)
                {
                    called.Add(target.MetadataToken);
                }
            }

            at += OperandSize(op.OperandType, il, at);
        }
    }

    private static int OperandSize(OperandType operand, byte[] il, int at) => operand switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
        _ => 4,
    };
}
