/* scale.c — scikit-learn's StandardScaler for the seed recipe: each column to mean 0 and
 * population standard deviation 1, a constant column to all zeros (scikit-learn keeps a
 * scale of 1 there, and x - mean is 0).
 *
 * Why blocks of columns: the matrix is row-major and can hold millions of rows; walking it one
 * column at a time would read every cache line once per column. A block of up to 64 columns
 * keeps its running sums on the stack and reads each row once per pass, with no allocation. */
#include <math.h>

#include "cluster/numeric.h"

enum { SCALE_BLOCK = 64 };

/* Scales columns [c0, c0 + nc) in three row-major passes: means, squared deviations, rewrite. */
static void scale_block(cl_matrix *m, size_t c0, size_t nc)
{
    double mean[SCALE_BLOCK] = {0}, var[SCALE_BLOCK] = {0};
    double first[SCALE_BLOCK];
    int constant[SCALE_BLOCK];
    const double n = (double)m->rows;

    const double *row0 = cl_row(m, 0) + c0;
    for (size_t c = 0; c < nc; c++) {
        first[c] = row0[c];
        constant[c] = 1;
    }
    for (size_t r = 0; r < m->rows; r++) {
        const double *x = cl_row(m, r) + c0;
        for (size_t c = 0; c < nc; c++) {
            mean[c] += x[c];
            if (x[c] != first[c])
                constant[c] = 0;
        }
    }
    for (size_t c = 0; c < nc; c++)
        mean[c] /= n;
    for (size_t r = 0; r < m->rows; r++) {
        const double *x = cl_row(m, r) + c0;
        for (size_t c = 0; c < nc; c++) {
            double dev = x[c] - mean[c];
            var[c] += dev * dev;
        }
    }
    double sd[SCALE_BLOCK];
    for (size_t c = 0; c < nc; c++) {
        sd[c] = sqrt(var[c] / n);
        /* A column whose values differ only below rounding has sd 0: treat it as constant. */
        if (sd[c] == 0.0)
            constant[c] = 1;
    }
    for (size_t r = 0; r < m->rows; r++) {
        double *x = cl_row(m, r) + c0;
        for (size_t c = 0; c < nc; c++)
            x[c] = constant[c] ? 0.0 : (x[c] - mean[c]) / sd[c];
    }
}

void cl_standard_scale(cl_matrix *m)
{
    if (!m || !m->v || m->rows == 0 || m->cols == 0)
        return;
    for (size_t c0 = 0; c0 < m->cols; c0 += SCALE_BLOCK) {
        size_t nc = m->cols - c0 < SCALE_BLOCK ? m->cols - c0 : SCALE_BLOCK;
        scale_block(m, c0, nc);
    }
}
