namespace Microsoft.ML.Pruning.Tests.Regression;

/// <summary>
/// scikit-learn 1.2.1's answers on <see cref="LassoRegressionData"/>, computed once with /usr/bin/python3 by this
/// snippet (its data() is <see cref="LassoRegressionData.Rows"/>) and pasted here:
/// <code>
/// import numpy as np
/// from sklearn.linear_model import Lasso, ElasticNet, LassoCV
/// from sklearn.model_selection import KFold
/// from sklearn.metrics import r2_score
///
/// def data(rows, seed):
///     state = seed
///     def nxt():
///         nonlocal state
///         state = (state * 1103515245 + 12345) % 2**31
///         return ((state >> 8) % 2001) - 1000
///     X = np.zeros((rows, 8), dtype=np.float32); y = np.zeros(rows, dtype=np.float32)
///     for i in range(rows):
///         r = [np.float32(nxt()) / np.float32(250) for _ in range(6)]
///         r[5] = r[0] * np.float32(0.5) + r[5] * np.float32(0.2)
///         X[i, :6] = r; X[i, 6] = np.float32(2.5); X[i, 7] = np.float32(0)
///         noise = nxt() / 250.0
///         y[i] = np.float32(3.0 + 1.5 * float(r[0]) - 2.0 * float(r[1]) + 0.5 * float(r[3]) + 0.1 * float(r[4]) + noise)
///     return X.astype(np.float64), y.astype(np.float64)
///
/// X, y = data(80, 7)
/// Xt, yt = data(40, 11)
/// def show(name, m):
///     print(name, repr(m.coef_.tolist()), repr(float(m.intercept_)))
/// m = Lasso(alpha=0.05, tol=1e-12, max_iter=100000).fit(X, y); show("lasso", m)
/// print("lasso r2 test", repr(r2_score(yt, m.predict(Xt))))
/// m = ElasticNet(alpha=0.1, l1_ratio=0.5, tol=1e-12, max_iter=100000).fit(X, y); show("enet", m)
/// m = Lasso(alpha=0.05, fit_intercept=False, tol=1e-12, max_iter=100000).fit(X, y); show("nointercept", m)
/// cv = LassoCV(n_alphas=30, eps=1e-3, cv=KFold(5), tol=1e-12, max_iter=100000).fit(X, y)
/// show("cv", cv); print("cv alpha", repr(cv.alpha_)); print("cv mse", repr(cv.mse_path_.mean(axis=1).tolist()))
/// print("cv alphas", repr(cv.alphas_.tolist()))
/// from sklearn.linear_model import ElasticNetCV
/// en = ElasticNetCV(l1_ratio=0.5, n_alphas=30, eps=1e-3, cv=KFold(5), tol=1e-12, max_iter=100000).fit(X, y)
/// show("enetcv", en); print("enetcv alpha", repr(en.alpha_)); print("enetcv mse", repr(en.mse_path_.mean(axis=1).tolist()))
/// </code>
/// </summary>
internal static class LassoScikitLearnReference
{
    /// <summary>Lasso(alpha=0.05).</summary>
    public static readonly double[] LassoWeights =
        [1.3244569403334898, -1.7721312549618555, -0.08877768013666723, 0.6454644660287818, 0.17232900375807605, 0.24547145870998419, 0.0, 0.0];

    public const double LassoBias = 3.1600541336410526;

    /// <summary>r2_score of Lasso(alpha=0.05) on the 40 test rows.</summary>
    public const double LassoTestRSquared = 0.8750282718187088;

    /// <summary>ElasticNet(alpha=0.1, l1_ratio=0.5).</summary>
    public static readonly double[] ElasticNetWeights =
        [1.2812612962768832, -1.7542820839791229, -0.08756457355365664, 0.6409320568539424, 0.16734512027868914, 0.3137982932657189, 0.0, 0.0];

    public const double ElasticNetBias = 3.1574386322054484;

    /// <summary>Lasso(alpha=0.05, fit_intercept=False): the constant feature 6 takes the intercept's part.</summary>
    public static readonly double[] NoInterceptWeights =
        [1.3228476696239655, -1.7719450073147707, -0.09022339924224543, 0.6472366114386741, 0.17149882500645594, 0.24616915018775304, 1.2552791287623113, 0.0];

    /// <summary>LassoCV(n_alphas=30, eps=1e-3, cv=KFold(5)): its alphas_, largest first.</summary>
    public static readonly double[] CrossValidationAlphas =
    [
        8.99849485077886, 7.091230406855997, 5.588217753857651, 4.403774221514166, 3.47037790012481, 2.7348183998256195,
        2.1551634707435685, 1.6983685592884803, 1.338393027877575, 1.0547156488941094, 0.8311647452215188, 0.6549962868413935,
        0.5161673882855466, 0.40676379100457033, 0.3205486929772444, 0.2526072055618766, 0.1990661690400654, 0.15687335429780966,
        0.1236234635313301, 0.09742101075029722, 0.07677226526826957, 0.0605000981721345, 0.047676877398988515, 0.03757158595099822,
        0.02960814860125876, 0.023332591409304878, 0.01838716189942463, 0.014489934563411837, 0.011418739052845723, 0.008998494850778858,
    ];

    /// <summary>LassoCV: mse_path_.mean(axis=1), the mean over the folds of each fold's held-out MSE, per alpha.</summary>
    public static readonly double[] CrossValidationMeanSquaredErrors =
    [
        37.3354666491267, 28.344770625237363, 20.514421782315623, 15.580748326275748, 12.179917313106305, 9.744124559579063,
        8.228354931706392, 7.284592533206498, 6.696574283201673, 6.329887359281822, 6.094627853897557, 5.898007126165009,
        5.771654183643894, 5.70640850329813, 5.6741228582146395, 5.662401901516862, 5.668109950336078, 5.682568829467284,
        5.698360183243272, 5.711714284757074, 5.724698273109759, 5.736458168624618, 5.746674369653938, 5.755314466461661,
        5.762489201560365, 5.768370479155869, 5.773146326853089, 5.776997559222281, 5.779437071568929, 5.781075399541484,
    ];

    /// <summary>LassoCV's alpha_.</summary>
    public const double CrossValidationAlpha = 0.2526072055618766;

    /// <summary>LassoCV's coef_ (refit on all rows at alpha_).</summary>
    public static readonly double[] CrossValidationWeights =
        [1.4091430767984814, -1.7256192317414683, -0.03972958524295695, 0.6262420056818236, 0.13629628284343234, 0.0, 0.0, 0.0];

    public const double CrossValidationBias = 3.1716199802077605;

    /// <summary>ElasticNetCV(l1_ratio=0.5, n_alphas=30, eps=1e-3, cv=KFold(5)): mse_path_.mean(axis=1), per alpha.</summary>
    public static readonly double[] ElasticNetCrossValidationMeanSquaredErrors =
    [
        37.84890775059943, 33.810792060156395, 28.76080377299528, 23.927061597149656, 19.41914070934113, 15.757206474987706,
        12.892459871543107, 10.72654874621571, 9.131804214141306, 7.993742863466788, 7.211895232001254, 6.6596148473736205,
        6.277720669986685, 6.026277732895029, 5.869554738651745, 5.778928239057035, 5.7304771994737935, 5.708206476020493,
        5.70162913239269, 5.703992117276252, 5.71102870514157, 5.720106945317441, 5.729658855087335, 5.7388011109431405,
        5.747083734907482, 5.754323945998594, 5.760496997800725, 5.76566543825829, 5.769934336612648, 5.773423943199906,
    ];

    /// <summary>ElasticNetCV's alpha_.</summary>
    public const double ElasticNetCrossValidationAlpha = 0.2472469270626601;

    /// <summary>ElasticNetCV's coef_.</summary>
    public static readonly double[] ElasticNetCrossValidationWeights =
        [1.2724010202134595, -1.7118432964062695, -0.06742100622955201, 0.6296478157904707, 0.1492852389195259, 0.2743232558142823, 0.0, 0.0];

    public const double ElasticNetCrossValidationBias = 3.1580913932946575;
}
