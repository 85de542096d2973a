package dev.emergence.engine.model;

import ai.onnxruntime.OnnxJavaType;
import com.fasterxml.jackson.annotation.JsonValue;

/** Element types a model's inputs and outputs may have; the engine converts its float32 tensors to and from them. */
public enum ElementType {
    FLOAT32("float32"),
    FLOAT16("float16"),
    INT32("int32"),
    INT64("int64"),
    /** Fed for scalars such as a ControlNet's conditioning_scale (OnnxStack exports it as double [1]). */
    FLOAT64("float64"),
    /** Anything else (bfloat16, bool, ...): reported, not converted. */
    OTHER("other");

    private final String label;

    ElementType(String label) {
        this.label = label;
    }

    /** "float32", "float16", "int32", "int64", "float64" or "other"; also the JSON form. */
    @JsonValue
    public String label() {
        return label;
    }

    public boolean isFloat() {
        return this == FLOAT32 || this == FLOAT16;
    }

    public boolean isInteger() {
        return this == INT32 || this == INT64;
    }

    static ElementType of(OnnxJavaType type) {
        switch (type) {
            case FLOAT: return FLOAT32;
            case FLOAT16: return FLOAT16;
            case INT32: return INT32;
            case INT64: return INT64;
            case DOUBLE: return FLOAT64;
            default: return OTHER;
        }
    }

    @Override
    public String toString() {
        return label;
    }
}
