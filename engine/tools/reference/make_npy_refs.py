#!/usr/bin/env python3
"""Writes the small .npy files NpyTest reads, with numpy's own writer (np.save).

Run from the repository root with a Python that has numpy:

    python3 engine/tools/reference/make_npy_refs.py

Output: engine/src/test/resources/reference/npy/*.npy. NpyTest rebuilds the same arrays from the
formulas below, checks that Java reads each file to those values, and that Java writes the
float32 ones byte for byte as numpy did (same header layout and padding).
"""
import os

import numpy as np

OUT = os.path.join("engine", "src", "test", "resources", "reference", "npy")


def float_grid():
    """(2, 3, 4) float32: i * 0.25 - 1.5, with a few special values NpyTest expects at fixed places."""
    a = (np.arange(24, dtype=np.float32) * np.float32(0.25) - np.float32(1.5)).reshape(2, 3, 4)
    a[0, 0, 1] = -0.0
    a[0, 1, 0] = np.inf
    a[1, 0, 0] = -np.inf
    a[1, 2, 3] = np.nan
    a[1, 1, 1] = np.float32(1e-45)  # smallest subnormal
    return a


def main():
    os.makedirs(OUT, exist_ok=True)
    arrays = {
        "f4_2x3x4": float_grid(),
        "f4_5": np.array([0.5, -1.0, 3.25, 1e10, -2e-3], dtype=np.float32),
        "f4_scalar": np.array(3.5, dtype=np.float32),
        # A seven-digit leading dimension changes numpy's header padding; zero elements keep it small.
        "f4_1234567x0": np.zeros((1234567, 0), dtype=np.float32),
        "f4_fortran_2x3": np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
        "f4_big_endian_4": np.array([1.5, -2.0, 0.1, 7.0], dtype=">f4"),
        "f8_3x2": (np.arange(6, dtype=np.float64).reshape(3, 2) / 3.0),
        "i8_4": np.array([0, -7, 2**40, 123456789], dtype="<i8"),
        "i4_3": np.array([-1, 0, 2147483647], dtype="<i4"),
        "u1_4": np.array([0, 1, 128, 255], dtype=np.uint8),
        "b1_3": np.array([True, False, True]),
    }
    for name, a in arrays.items():
        np.save(os.path.join(OUT, name + ".npy"), a)
    print("wrote %d files to %s with numpy %s" % (len(arrays), OUT, np.__version__))


if __name__ == "__main__":
    main()
