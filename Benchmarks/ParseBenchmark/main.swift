import EdgeTail
print("benchmark")
