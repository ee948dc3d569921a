using System.Data.Common;

namespace OrderEngine.Engine.Hosting;

/// <summary>Named parameters for the read tables' plain SQL, the same on SQLite and PostgreSQL.</summary>
public static class DbCommandExtensions
{
    public static void AddParameter(this DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }
}
