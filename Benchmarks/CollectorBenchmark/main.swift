print("collector benchmark")
