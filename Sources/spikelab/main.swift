print("spikelab")
