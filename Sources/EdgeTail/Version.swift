public enum EdgeTailVersion { public static let string = "0.1.0" }
