//! Synthetic data generator.
