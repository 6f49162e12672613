#ifndef SPIKELAB_FLOATING_POINT_MODE_H
#define SPIKELAB_FLOATING_POINT_MODE_H

/// Sets flush-to-zero and denormals-are-zero for the calling thread (x86 MXCSR bits 15 and 6).
/// Subnormal floats (tiny softmax probabilities times a 1/rows factor, for instance) otherwise
/// send every multiply through a microcode assist, which made high-learning-rate runs 5-10x
/// slower. No-op on other architectures.
void spikelab_enable_flush_to_zero(void);

/// 1 when the calling thread flushes subnormals to zero.
int spikelab_flush_to_zero_enabled(void);

#endif
