namespace OrderEngine.Domain;

/// <summary>Marker for every message and event OrderEngine persists or sends between nodes; the engine binds its serializer to it.</summary>
public interface IOrderEngineMessage;
