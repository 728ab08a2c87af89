/* polyphones.c — readings of polyphonic Han characters and surname readings, hand-kept
 * tables (toneless pinyin, "v" for ü), sorted by code point for bsearch. */
#include "text/text_impl.h"

/* Ordinary readings (words, places, company names) of characters whose
 * readings differ without tones, or whose ICU reading is not the usual one.
 * Keep sorted by code point: tests/unit/test_searchkey.c checks it. */
const struct gx_polyphone gx_polyphones[] = {
	{0x4E50, "le yue lao"}, /* 乐 */
	{0x4E58, "cheng sheng"}, /* 乘 */
	{0x4E5C, "mie nie"}, /* 乜 */
	{0x4E7E, "qian gan"}, /* 乾 */
	{0x4E86, "le liao"}, /* 了 */
	{0x4E9F, "ji qi"}, /* 亟 */
	{0x4EC0, "shen shi"}, /* 什 */
	{0x4ED4, "zai zi"}, /* 仔 */
	{0x4F1A, "hui kuai"}, /* 会 */
	{0x4F20, "chuan zhuan"}, /* 传 */
	{0x4F2F, "bo bai"}, /* 伯 */
	{0x4F3A, "si ci"}, /* 伺 */
	{0x4F3C, "si shi"}, /* 似 */
	{0x4F3D, "jia ga qie"}, /* 伽 */
	{0x4F53, "ti ben"}, /* 体 */
	{0x4F5A, "yi die"}, /* 佚 */
	{0x4F5B, "fo fu"}, /* 佛 */
	{0x4F74, "nai er"}, /* 佴 */
	{0x4F97, "dong tong"}, /* 侗 */
	{0x4FBF, "bian pian"}, /* 便 */
	{0x4FDE, "yu shu"}, /* 俞 */
	{0x516D, "liu lu"}, /* 六 */
	{0x5179, "zi ci"}, /* 兹 */
	{0x51AF, "feng ping"}, /* 冯 */
	{0x5228, "pao bao"}, /* 刨 */
	{0x524A, "xiao xue"}, /* 削 */
	{0x527F, "jiao chao"}, /* 剿 */
	{0x52B2, "jin jing"}, /* 劲 */
	{0x52D2, "le lei"}, /* 勒 */
	{0x5319, "chi shi"}, /* 匙 */
	{0x5352, "zu cu"}, /* 卒 */
	{0x5355, "dan shan chan"}, /* 单 */
	{0x5357, "nan na"}, /* 南 */
	{0x535C, "bu bo"}, /* 卜 */
	{0x5361, "ka qia"}, /* 卡 */
	{0x5382, "chang an"}, /* 厂 */
	{0x53A6, "sha xia"}, /* 厦 */
	{0x53C2, "can shen cen"}, /* 参 */
	{0x53E5, "ju gou"}, /* 句 */
	{0x53E8, "dao tao"}, /* 叨 */
	{0x53EC, "zhao shao"}, /* 召 */
	{0x53F6, "ye xie"}, /* 叶 */
	{0x5401, "xu yu"}, /* 吁 */
	{0x5408, "he ge"}, /* 合 */
	{0x5413, "xia he"}, /* 吓 */
	{0x5426, "fou pi"}, /* 否 */
	{0x542D, "hang keng"}, /* 吭 */
	{0x5457, "bei bai"}, /* 呗 */
	{0x5458, "yuan yun"}, /* 员 */
	{0x548C, "he huo hu"}, /* 和 */
	{0x5496, "ka ga"}, /* 咖 */
	{0x54AF, "ge ka luo lo"}, /* 咯 */
	{0x54B3, "ke hai"}, /* 咳 */
	{0x54BD, "yan ye"}, /* 咽 */
	{0x54E6, "o e"}, /* 哦 */
	{0x555C, "chuo chuai"}, /* 啜 */
	{0x558F, "nuo re"}, /* 喏 */
	{0x55CC, "yi ai"}, /* 嗌 */
	{0x563F, "hei mo"}, /* 嘿 */
	{0x564C, "ceng cheng"}, /* 噌 */
	{0x56BC, "jiao jue"}, /* 嚼 */
	{0x56DD, "jian nan"}, /* 囝 */
	{0x56E4, "tun dun"}, /* 囤 */
	{0x5708, "quan juan"}, /* 圈 */
	{0x571C, "huan yuan"}, /* 圜 */
	{0x5729, "wei xu"}, /* 圩 */
	{0x5730, "di de"}, /* 地 */
	{0x573B, "qi yin"}, /* 圻 */
	{0x5747, "jun yun"}, /* 均 */
	{0x57CB, "mai man"}, /* 埋 */
	{0x57D4, "pu bu"}, /* 埔 */
	{0x57E4, "pi bei"}, /* 埤 */
	{0x5821, "bao bu pu"}, /* 堡 */
	{0x585E, "sai se"}, /* 塞 */
	{0x58F3, "ke qiao"}, /* 壳 */
	{0x5927, "da dai"}, /* 大 */
	{0x592F, "hang ben"}, /* 夯 */
	{0x5939, "jia ga"}, /* 夹 */
	{0x5947, "qi ji"}, /* 奇 */
	{0x5958, "zang zhuang"}, /* 奘 */
	{0x5A1C, "na nuo"}, /* 娜 */
	{0x5A29, "mian wan"}, /* 娩 */
	{0x5A7C, "ruo chuo"}, /* 婼 */
	{0x5B1B, "huan qiong xuan"}, /* 嬛 */
	{0x5B59, "sun xun"}, /* 孙 */
	{0x5B5B, "bo bei"}, /* 孛 */
	{0x5B71, "chan can"}, /* 孱 */
	{0x5B93, "mi fu"}, /* 宓 */
	{0x5B9B, "wan yuan"}, /* 宛 */
	{0x5BB6, "jia gu"}, /* 家 */
	{0x5BBF, "su xiu"}, /* 宿 */
	{0x5C06, "jiang qiang"}, /* 将 */
	{0x5C3A, "chi che"}, /* 尺 */
	{0x5C3E, "wei yi"}, /* 尾 */
	{0x5C3F, "niao sui"}, /* 尿 */
	{0x5C4F, "ping bing"}, /* 屏 */
	{0x5C6F, "tun zhun"}, /* 屯 */
	{0x5CD2, "dong tong"}, /* 峒 */
	{0x5CD9, "zhi shi"}, /* 峙 */
	{0x5CE4, "qiao jiao"}, /* 峤 */
	{0x5D34, "wai wei"}, /* 崴 */
	{0x5DEE, "cha chai ci"}, /* 差 */
	{0x5DF7, "xiang hang"}, /* 巷 */
	{0x5E11, "tang nu"}, /* 帑 */
	{0x5E27, "zhen"}, /* 帧 */
	{0x5E62, "zhuang chuang"}, /* 幢 */
	{0x5E7F, "guang an"}, /* 广 */
	{0x5EA6, "du duo"}, /* 度 */
	{0x5F04, "nong long"}, /* 弄 */
	{0x5F39, "dan tan"}, /* 弹 */
	{0x5F3A, "qiang jiang"}, /* 强 */
	{0x5F77, "pang fang"}, /* 彷 */
	{0x5F97, "de dei"}, /* 得 */
	{0x6041, "nen ren"}, /* 恁 */
	{0x6076, "e wu"}, /* 恶 */
	{0x609D, "kui li"}, /* 悝 */
	{0x6241, "bian pian"}, /* 扁 */
	{0x624E, "zha za"}, /* 扎 */
	{0x6252, "ba pa"}, /* 扒 */
	{0x625B, "kang gang"}, /* 扛 */
	{0x6273, "ban pan"}, /* 扳 */
	{0x6298, "zhe she"}, /* 折 */
	{0x62B9, "mo ma"}, /* 抹 */
	{0x62D3, "tuo ta"}, /* 拓 */
	{0x62D7, "ao niu"}, /* 拗 */
	{0x62DA, "pan pin"}, /* 拚 */
	{0x62E9, "ze zhai"}, /* 择 */
	{0x631D, "wo zhua"}, /* 挝 */
	{0x634B, "lv luo"}, /* 捋 */
	{0x63BA, "chan can shan"}, /* 掺 */
	{0x63D0, "ti di"}, /* 提 */
	{0x64D8, "bo"}, /* 擘 */
	{0x6512, "zan cuan"}, /* 攒 */
	{0x6566, "dun dui"}, /* 敦 */
	{0x6570, "shu shuo"}, /* 数 */
	{0x65BC, "yu wu"}, /* 於 */
	{0x665F, "sheng cheng"}, /* 晟 */
	{0x66B4, "bao pu"}, /* 暴 */
	{0x66DD, "pu bao"}, /* 曝 */
	{0x66FE, "ceng zeng"}, /* 曾 */
	{0x671D, "chao zhao"}, /* 朝 */
	{0x671F, "qi ji"}, /* 期 */
	{0x672F, "shu zhu"}, /* 术 */
	{0x6734, "pu po"}, /* 朴 */
	{0x6749, "shan sha"}, /* 杉 */
	{0x6753, "shao biao"}, /* 杓 */
	{0x6777, "pa ba"}, /* 杷 */
	{0x679E, "cong zong"}, /* 枞 */
	{0x67B8, "gou ju"}, /* 枸 */
	{0x67CF, "bai bo"}, /* 柏 */
	{0x67DC, "gui ju"}, /* 柜 */
	{0x67DE, "zuo zha"}, /* 柞 */
	{0x6805, "zha shan"}, /* 栅 */
	{0x680E, "li yue"}, /* 栎 */
	{0x6816, "qi xi"}, /* 栖 */
	{0x6821, "xiao jiao"}, /* 校 */
	{0x6838, "he hu"}, /* 核 */
	{0x6854, "jie ju"}, /* 桔 */
	{0x6867, "gui hui"}, /* 桧 */
	{0x68F1, "leng ling"}, /* 棱 */
	{0x68F9, "zhao zhuo"}, /* 棹 */
	{0x690E, "zhui chui"}, /* 椎 */
	{0x6942, "zha cha"}, /* 楂 */
	{0x6977, "kai jie"}, /* 楷 */
	{0x69DF, "bin bing"}, /* 槟 */
	{0x6A21, "mo mu"}, /* 模 */
	{0x6B38, "ai ei"}, /* 欸 */
	{0x6B59, "xi she"}, /* 歙 */
	{0x6B96, "zhi shi"}, /* 殖 */
	{0x6BB7, "yin yan"}, /* 殷 */
	{0x6C0F, "shi zhi"}, /* 氏 */
	{0x6C64, "tang shang"}, /* 汤 */
	{0x6C76, "wen men"}, /* 汶 */
	{0x6C88, "shen chen"}, /* 沈 */
	{0x6C93, "ta da"}, /* 沓 */
	{0x6CA1, "mei mo"}, /* 没 */
	{0x6CCA, "bo po"}, /* 泊 */
	{0x6CCC, "mi bi"}, /* 泌 */
	{0x6CF7, "long shuang"}, /* 泷 */
	{0x6CFA, "luo po"}, /* 泺 */
	{0x6D17, "xi xian"}, /* 洗 */
	{0x6D1E, "dong tong"}, /* 洞 */
	{0x6D45, "qian jian"}, /* 浅 */
	{0x6D4D, "hui kuai"}, /* 浍 */
	{0x6D52, "hu xu"}, /* 浒 */
	{0x6D5A, "jun xun"}, /* 浚 */
	{0x6D8C, "yong chong"}, /* 涌 */
	{0x6DA1, "wo guo"}, /* 涡 */
	{0x6E11, "mian sheng"}, /* 渑 */
	{0x6E6B, "qiu jiao"}, /* 湫 */
	{0x6EB1, "zhen qin"}, /* 溱 */
	{0x6F2F, "luo ta"}, /* 漯 */
	{0x6F84, "cheng deng"}, /* 澄 */
	{0x6FB9, "dan tan"}, /* 澹 */
	{0x7011, "pu bao"}, /* 瀑 */
	{0x7085, "gui jiong"}, /* 炅 */
	{0x7094, "que gui"}, /* 炔 */
	{0x70AE, "pao bao"}, /* 炮 */
	{0x70D9, "lao luo"}, /* 烙 */
	{0x7118, "tao dao"}, /* 焘 */
	{0x712F, "chao zhuo"}, /* 焯 */
	{0x71A8, "yun yu"}, /* 熨 */
	{0x722A, "zhua zhao"}, /* 爪 */
	{0x725F, "mou mu"}, /* 牟 */
	{0x728D, "jian qian"}, /* 犍 */
	{0x7387, "lv shuai"}, /* 率 */
	{0x739F, "wen min"}, /* 玟 */
	{0x73A2, "bin fen"}, /* 玢 */
	{0x752A, "lu jue"}, /* 甪 */
	{0x755C, "chu xu"}, /* 畜 */
	{0x756A, "fan pan"}, /* 番 */
	{0x759F, "nve yao"}, /* 疟 */
	{0x7684, "de di"}, /* 的 */
	{0x76DB, "sheng cheng"}, /* 盛 */
	{0x7701, "sheng xing"}, /* 省 */
	{0x7719, "yi chi"}, /* 眙 */
	{0x7740, "zhe zhao zhuo"}, /* 着 */
	{0x77BF, "qu ju"}, /* 瞿 */
	{0x77DC, "jin qin guan"}, /* 矜 */
	{0x77F3, "shi dan"}, /* 石 */
	{0x780C, "qi qie"}, /* 砌 */
	{0x78C5, "bang pang"}, /* 磅 */
	{0x7962, "mi ni"}, /* 祢 */
	{0x796D, "ji zhai"}, /* 祭 */
	{0x7985, "chan shan"}, /* 禅 */
	{0x79CD, "zhong chong"}, /* 种 */
	{0x79D8, "mi bi"}, /* 秘 */
	{0x79F0, "cheng chen"}, /* 称 */
	{0x7A3D, "ji qi"}, /* 稽 */
	{0x7AA8, "yin xun"}, /* 窨 */
	{0x7AFA, "zhu du"}, /* 竺 */
	{0x7B60, "yun jun"}, /* 筠 */
	{0x7C98, "nian zhan"}, /* 粘 */
	{0x7CA5, "zhou yu"}, /* 粥 */
	{0x7CB3, "jing geng"}, /* 粳 */
	{0x7CDC, "mi mei"}, /* 糜 */
	{0x7CFB, "xi ji"}, /* 系 */
	{0x7E41, "fan po"}, /* 繁 */
	{0x7E47, "yao you zhou"}, /* 繇 */
	{0x7EA4, "xian qian"}, /* 纤 */
	{0x7EB6, "lun guan"}, /* 纶 */
	{0x7ED9, "gei ji"}, /* 给 */
	{0x7EF0, "chuo chao"}, /* 绰 */
	{0x7EFC, "zong zeng"}, /* 综 */
	{0x7EFF, "lv lu"}, /* 绿 */
	{0x7F09, "ji qi"}, /* 缉 */
	{0x7F29, "suo su"}, /* 缩 */
	{0x7F2A, "miu mou miao"}, /* 缪 */
	{0x7FDF, "di zhai"}, /* 翟 */
	{0x8006, "qi shi"}, /* 耆 */
	{0x809C, "rong chen"}, /* 肜 */
	{0x80D6, "pang pan"}, /* 胖 */
	{0x80FD, "neng nai"}, /* 能 */
	{0x8109, "mai mo"}, /* 脉 */
	{0x812F, "fu pu"}, /* 脯 */
	{0x814C, "yan a"}, /* 腌 */
	{0x8180, "bang pang"}, /* 膀 */
	{0x81ED, "chou xiu"}, /* 臭 */
	{0x8272, "se shai"}, /* 色 */
	{0x827E, "ai yi"}, /* 艾 */
	{0x82BE, "fu fei"}, /* 芾 */
	{0x82D5, "tiao shao"}, /* 苕 */
	{0x8304, "qie jia"}, /* 茄 */
	{0x831C, "qian xi"}, /* 茜 */
	{0x8365, "xing ying"}, /* 荥 */
	{0x8368, "qian xun"}, /* 荨 */
	{0x838E, "sha suo"}, /* 莎 */
	{0x8398, "shen xin"}, /* 莘 */
	{0x839E, "guan wan"}, /* 莞 */
	{0x83C0, "wan yu"}, /* 菀 */
	{0x843D, "luo la lao"}, /* 落 */
	{0x845A, "shen ren"}, /* 葚 */
	{0x848C, "lou lv"}, /* 蒌 */
	{0x84FC, "liao lu"}, /* 蓼 */
	{0x8513, "man wan"}, /* 蔓 */
	{0x851A, "wei yu"}, /* 蔚 */
	{0x8543, "fan bo"}, /* 蕃 */
	{0x8549, "jiao qiao"}, /* 蕉 */
	{0x8584, "bo bao"}, /* 薄 */
	{0x85C9, "jie ji"}, /* 藉 */
	{0x85CF, "cang zang"}, /* 藏 */
	{0x8679, "hong jiang"}, /* 虹 */
	{0x867E, "xia ha"}, /* 虾 */
	{0x868C, "bang beng"}, /* 蚌 */
	{0x86C7, "she yi"}, /* 蛇 */
	{0x86E4, "ge ha"}, /* 蛤 */
	{0x86FE, "e yi"}, /* 蛾 */
	{0x87AB, "shi zhe"}, /* 螫 */
	{0x8840, "xue xie"}, /* 血 */
	{0x884C, "xing hang"}, /* 行 */
	{0x8870, "shuai cui"}, /* 衰 */
	{0x88E8, "bi pi"}, /* 裨 */
	{0x88F3, "shang chang"}, /* 裳 */
	{0x891A, "chu zhu"}, /* 褚 */
	{0x892A, "tui tun"}, /* 褪 */
	{0x8936, "zhe xi"}, /* 褶 */
	{0x89C1, "jian xian"}, /* 见 */
	{0x89C9, "jue jiao"}, /* 觉 */
	{0x89D2, "jiao jue"}, /* 角 */
	{0x89E3, "jie xie"}, /* 解 */
	{0x8BF4, "shuo shui yue"}, /* 说 */
	{0x8C01, "shei shui"}, /* 谁 */
	{0x8C03, "diao tiao"}, /* 调 */
	{0x8C0C, "chen shen"}, /* 谌 */
	{0x8C37, "gu yu"}, /* 谷 */
	{0x8C49, "chi"}, /* 豉 */
	{0x8C89, "he hao mo"}, /* 貉 */
	{0x8D32, "ben bi"}, /* 贲 */
	{0x8D39, "fei bi"}, /* 费 */
	{0x8D3E, "jia gu"}, /* 贾 */
	{0x8D84, "qie ju"}, /* 趄 */
	{0x8E4A, "qi xi"}, /* 蹊 */
	{0x8F66, "che ju"}, /* 车 */
	{0x8F67, "ya zha ga"}, /* 轧 */
	{0x8F9F, "bi pi"}, /* 辟 */
	{0x8FD8, "hai huan"}, /* 还 */
	{0x8FD9, "zhe zhei"}, /* 这 */
	{0x8FEB, "po pai"}, /* 迫 */
	{0x9057, "yi wei"}, /* 遗 */
	{0x90A3, "na nuo nei"}, /* 那 */
	{0x90AA, "xie ye"}, /* 邪 */
	{0x90C7, "xun huan"}, /* 郇 */
	{0x90D7, "xi chi"}, /* 郗 */
	{0x90FD, "du dou"}, /* 都 */
	{0x91CD, "zhong chong"}, /* 重 */
	{0x94A5, "yao yue"}, /* 钥 */
	{0x94BF, "dian tian"}, /* 钿 */
	{0x94C5, "qian yan"}, /* 铅 */
	{0x94DB, "dang cheng"}, /* 铛 */
	{0x94E4, "ting ding"}, /* 铤 */
	{0x9550, "gao hao"}, /* 镐 */
	{0x9561, "xin tan chan"}, /* 镡 */
	{0x957F, "chang zhang"}, /* 长 */
	{0x960F, "e yan"}, /* 阏 */
	{0x961A, "kan han"}, /* 阚 */
	{0x963F, "a e"}, /* 阿 */
	{0x9642, "bei po pi"}, /* 陂 */
	{0x9646, "lu liu"}, /* 陆 */
	{0x964D, "jiang xiang"}, /* 降 */
	{0x9697, "wei kui"}, /* 隗 */
	{0x96BD, "juan jun"}, /* 隽 */
	{0x96C0, "que qiao"}, /* 雀 */
	{0x9732, "lu lou"}, /* 露 */
	{0x9753, "liang jing"}, /* 靓 */
	{0x9798, "qiao shao"}, /* 鞘 */
	{0x9888, "jing geng"}, /* 颈 */
	{0x9889, "jie xie"}, /* 颉 */
	{0x98A4, "chan zhan"}, /* 颤 */
	{0x98DF, "shi si"}, /* 食 */
	{0x9A91, "qi ji"}, /* 骑 */
	{0x9AA0, "biao piao"}, /* 骠 */
	{0x9B32, "li ge"}, /* 鬲 */
	{0x9B44, "po bo tuo"}, /* 魄 */
	{0x9C91, "gui xie"}, /* 鲑 */
	{0x9E1F, "niao diao"}, /* 鸟 */
	{0x9E44, "hu gu"}, /* 鹄 */
	{0x9E58, "hu gu"}, /* 鹘 */
	{0x9EBD, "mo me"}, /* 麽 */
	{0x9ED1, "hei he"}, /* 黑 */
	{0x9EFE, "min mian"}, /* 黾 */
	{0x9F50, "qi ji"}, /* 齐 */
	{0x9F9F, "gui jun qiu"}, /* 龟 */
};
const size_t gx_polyphones_n = sizeof gx_polyphones / sizeof gx_polyphones[0];

/* Readings of a character used as a family name (first character of a
 * person's name), most usual first. Keep sorted by code point. */
const struct gx_polyphone gx_surnames[] = {
	{0x4E07, "wan"}, /* 万 */
	{0x4E50, "yue le"}, /* 乐 */
	{0x4E58, "cheng"}, /* 乘 */
	{0x4E5C, "nie"}, /* 乜 */
	{0x4E8E, "yu"}, /* 于 */
	{0x4EC7, "qiu"}, /* 仇 */
	{0x4EFB, "ren"}, /* 任 */
	{0x4F2F, "bo"}, /* 伯 */
	{0x4F74, "nai"}, /* 佴 */
	{0x4FDE, "yu"}, /* 俞 */
	{0x51AF, "feng"}, /* 冯 */
	{0x533A, "ou"}, /* 区 */
	{0x534E, "hua"}, /* 华 */
	{0x5355, "shan"}, /* 单 */
	{0x535C, "bu"}, /* 卜 */
	{0x538D, "she"}, /* 厍 */
	{0x53E5, "gou"}, /* 句 */
	{0x53EC, "shao"}, /* 召 */
	{0x53F6, "ye"}, /* 叶 */
	{0x5458, "yun"}, /* 员 */
	{0x548C, "he"}, /* 和 */
	{0x555C, "chuai"}, /* 啜 */
	{0x5B93, "mi fu"}, /* 宓 */
	{0x5BBF, "su"}, /* 宿 */
	{0x5C09, "yu wei"}, /* 尉 */
	{0x5E94, "ying"}, /* 应 */
	{0x6298, "she"}, /* 折 */
	{0x66FE, "zeng"}, /* 曾 */
	{0x671D, "chao"}, /* 朝 */
	{0x6734, "piao"}, /* 朴 */
	{0x67CF, "bai"}, /* 柏 */
	{0x67E5, "zha"}, /* 查 */
	{0x6BB7, "yin"}, /* 殷 */
	{0x6C64, "tang"}, /* 汤 */
	{0x6C88, "shen"}, /* 沈 */
	{0x6C99, "sha"}, /* 沙 */
	{0x6D17, "xian"}, /* 洗 */
	{0x7085, "gui"}, /* 炅 */
	{0x71D5, "yan"}, /* 燕 */
	{0x725F, "mou mu"}, /* 牟 */
	{0x76D6, "ge gai"}, /* 盖 */
	{0x772D, "sui"}, /* 眭 */
	{0x77BF, "qu"}, /* 瞿 */
	{0x77F3, "shi"}, /* 石 */
	{0x796D, "zhai"}, /* 祭 */
	{0x79CD, "chong"}, /* 种 */
	{0x79D8, "bi"}, /* 秘 */
	{0x7C98, "nian"}, /* 粘 */
	{0x7E41, "po"}, /* 繁 */
	{0x7EAA, "ji"}, /* 纪 */
	{0x7F2A, "miao"}, /* 缪 */
	{0x7FDF, "zhai"}, /* 翟 */
	{0x80FD, "nai"}, /* 能 */
	{0x81E7, "zang"}, /* 臧 */
	{0x8398, "shen"}, /* 莘 */
	{0x845B, "ge"}, /* 葛 */
	{0x851A, "yu wei"}, /* 蔚 */
	{0x8543, "pi"}, /* 蕃 */
	{0x8584, "bo"}, /* 薄 */
	{0x85CF, "zang"}, /* 藏 */
	{0x891A, "chu"}, /* 褚 */
	{0x8983, "qin tan"}, /* 覃 */
	{0x89E3, "xie"}, /* 解 */
	{0x8C0C, "chen shen"}, /* 谌 */
	{0x8D32, "ben"}, /* 贲 */
	{0x8D39, "fei"}, /* 费 */
	{0x8D3E, "jia"}, /* 贾 */
	{0x8F66, "che"}, /* 车 */
	{0x8FC7, "guo"}, /* 过 */
	{0x90A3, "na"}, /* 那 */
	{0x90C7, "huan"}, /* 郇 */
	{0x90D7, "xi chi"}, /* 郗 */
	{0x90FD, "du"}, /* 都 */
	{0x91CD, "chong"}, /* 重 */
	{0x957F, "chang"}, /* 长 */
	{0x961A, "kan"}, /* 阚 */
	{0x963F, "a"}, /* 阿 */
	{0x9646, "lu"}, /* 陆 */
	{0x9697, "wei kui"}, /* 隗 */
	{0x96BD, "juan"}, /* 隽 */
	{0x9773, "jin"}, /* 靳 */
	{0x9889, "xie"}, /* 颉 */
	{0x9C9C, "xian"}, /* 鲜 */
	{0x9ED1, "he"}, /* 黑 */
};
const size_t gx_surnames_n = sizeof gx_surnames / sizeof gx_surnames[0];

/* Two-character family names whose readings differ from the characters'
 * ordinary ones. */
const struct gx_compound_surname gx_compound_surnames[] = {
	{{0x5C09, 0x8FDF}, {"yu", "chi"}}, /* 尉迟 */
	{{0x4E07, 0x4FDF}, {"mo", "qi"}}, /* 万俟 */
	{{0x957F, 0x5B59}, {"zhang", "sun"}}, /* 长孙 */
	{{0x5355, 0x4E8E}, {"chan", "yu"}}, /* 单于 */
	{{0x6FB9, 0x53F0}, {"tan", "tai"}}, /* 澹台 */
	{{0x4E50, 0x6B63}, {"yue", "zheng"}}, /* 乐正 */
	{{0x4EE4, 0x72D0}, {"ling", "hu"}}, /* 令狐 */
	{{0x53E5, 0x9F99}, {"gou", "long"}}, /* 句龙 */
};
const size_t gx_compound_surnames_n =
	sizeof gx_compound_surnames / sizeof gx_compound_surnames[0];
