package dev.emergence.engine.onnx;

/**
 * The weight of one module of an exported network, as a graph holds it: the node that consumes it
 * and how that node lays it out.
 *
 * @param modulePath  the module's path as torch names it, from the node's scope
 *                    ({@code down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q})
 * @param node        the consuming node's name ({@code /down_blocks.0/.../to_q/MatMul})
 * @param initializer the weight's initializer name ({@code onnx::MatMul_1234}, {@code conv_in.weight})
 * @param transposed  true when the weight is stored [in, out] (MatMul, Gemm without transB), false when
 *                    [out, in, ...] as torch keeps it (Conv, Gemm with transB = 1)
 * @param dims        the initializer's shape
 */
public record WeightSlot(String modulePath, String node, String initializer, boolean transposed, long[] dims) {
    public WeightSlot {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** Elements in the weight. */
    public long elementCount() {
        long n = 1;
        for (long d : dims) n *= d;
        return n;
    }

    /** "[320,320]" */
    public String shapeText() {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) s.append(i == 0 ? "" : ",").append(dims[i]);
        return s.append(']').toString();
    }
}
