/// The local stand-in of the Edge Network collection endpoint.
public enum LocalEdge {}
