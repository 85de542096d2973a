package dev.emergence.engine.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One input or output of a model as its session describes it.
 *
 * @param name     the tensor name, e.g. "sample"
 * @param type     the element type
 * @param shape    the dimensions, -1 where dynamic
 * @param dimNames the symbolic names of the dimensions ("batch", "height"), empty strings where none
 */
public record TensorSpec(String name, ElementType type, long[] shape, String[] dimNames) {

    public TensorSpec {
        shape = shape.clone();
        dimNames = dimNames == null ? new String[shape.length] : Arrays.copyOf(dimNames, shape.length);
        for (int i = 0; i < dimNames.length; i++) if (dimNames[i] == null) dimNames[i] = "";
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String[] dimNames() {
        return dimNames.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** The size of dimension {@code i}, or -1 when dynamic. */
    public long dim(int i) {
        return shape[i];
    }

    public boolean isStatic(int i) {
        return shape[i] >= 0;
    }

    /** "'sample' float32 [batch,channels,height,width]": the form used in error messages. */
    public String describe() {
        List<String> dims = new ArrayList<>();
        for (int i = 0; i < shape.length; i++) {
            dims.add(shape[i] >= 0 ? Long.toString(shape[i]) : dimNames[i].isEmpty() ? "?" : dimNames[i]);
        }
        return "'" + name + "' " + type.label() + " [" + String.join(",", dims) + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && name.equals(t.name) && type == t.type
                && Arrays.equals(shape, t.shape) && Arrays.equals(dimNames, t.dimNames);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + type.hashCode()) + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return describe();
    }
}
