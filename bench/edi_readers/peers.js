// peers.js - the npm parsers on the same files as readers.c, for
// bench/edi_readers/run.sh: node-x12 for X12, edifact for EDIFACT.
//
//     node peers.js NPM_DIR SECONDS FILE...     time each file
//     node peers.js --make OUT_DIR COUNT X12_FILE EDIFACT_FILE
//                                   write large.x12 and large.edifact:
//                                   COUNT copies of the one set or
//                                   message of each file, renumbered
//
// One line per timed file, as readers.c prints:
//     SGREAD file=NAME bytes=N segments=N runs=N mb_s=X
// or, when the parser refuses the file, SGREAD file=NAME error=TEXT.
'use strict';

const fs = require('fs');
const path = require('path');

// The single transaction of a small file, COUNT times, each with its
// own control number, inside the file's own envelope.
function makeX12(file, count) {
    const text = fs.readFileSync(file, 'latin1');
    const term = text[105];
    const el = text[3];
    const segs = text.split(term).map((s) => s.replace(/^\s+/, ''));
    const st = segs.findIndex((s) => s.startsWith('ST' + el));
    const se = segs.findIndex((s) => s.startsWith('SE' + el));
    const head = segs.slice(0, st);
    const body = segs.slice(st + 1, se);
    const out = [...head];
    for (let i = 1; i <= count; i++) {
        const ctl = String(i).padStart(9, '0');
        out.push(['ST', '850', ctl].join(el), ...body,
                 ['SE', body.length + 2, ctl].join(el));
    }
    const gs06 = head.find((s) => s.startsWith('GS' + el)).split(el)[6];
    const isa13 = head[0].split(el)[13];
    out.push(['GE', count, gs06].join(el), ['IEA', 1, isa13].join(el));
    return out.join(term + '\n') + term + '\n';
}

function makeEdifact(file, count) {
    const text = fs.readFileSync(file, 'latin1');
    const segs = text.split("'").map((s) => s.replace(/^\s+/, ''))
        .filter((s) => s.length > 0);
    const unh = segs.findIndex((s) => s.startsWith('UNH+'));
    const unt = segs.findIndex((s) => s.startsWith('UNT+'));
    const head = segs.slice(0, unh);
    const type = segs[unh].split('+').slice(2).join('+');
    const body = segs.slice(unh + 1, unt);
    const out = [...head];
    for (let i = 1; i <= count; i++) {
        out.push(`UNH+M${i}+${type}`, ...body,
                 `UNT+${body.length + 2}+M${i}`);
    }
    const unb0020 = head.find((s) => s.startsWith('UNB+')).split('+')[5];
    out.push(`UNZ+${count}+${unb0020}`);
    return out.join("'\n") + "'\n";
}

function timeFile(npm, seconds, file) {
    const text = fs.readFileSync(file, 'latin1');
    const name = path.basename(file);
    const x12 = /^\s*ISA/.test(text);
    let parse;
    if (x12) {
        const { X12Parser } = require(path.join(npm, 'node_modules',
                                                'node-x12'));
        parse = () => {
            const ich = new X12Parser(true).parse(text);
            let n = 0;
            for (const g of ich.functionalGroups) {
                for (const t of g.transactions) {
                    n += t.segments.length;
                }
            }
            return n;
        };
    } else {
        const edifact = require(path.join(npm, 'node_modules', 'edifact'));
        parse = () => new edifact.Reader().parse(text).length;
    }
    let segments;
    try {
        segments = parse();
    } catch (e) {
        console.log(`SGREAD file=${name} error=${String(e.message)
            .split('\n')[0].slice(0, 80)}`);
        return;
    }
    const start = process.hrtime.bigint();
    let runs = 0, spent = 0;
    do {
        parse();
        runs++;
        spent = Number(process.hrtime.bigint() - start) / 1e9;
    } while (spent < seconds);
    const mb = Buffer.byteLength(text, 'latin1') * runs / spent / 1e6;
    console.log(`SGREAD file=${name} bytes=${Buffer.byteLength(text,
        'latin1')} segments=${segments} runs=${runs} mb_s=${mb.toFixed(2)}`);
}

const args = process.argv.slice(2);
if (args[0] === '--make') {
    const [, out, count, x12, edi] = args;
    fs.writeFileSync(path.join(out, 'large.x12'),
                     makeX12(x12, Number(count)), 'latin1');
    fs.writeFileSync(path.join(out, 'large.edifact'),
                     makeEdifact(edi, Number(count)), 'latin1');
} else {
    const [npm, seconds, ...files] = args;
    for (const f of files) {
        timeFile(npm, Number(seconds), f);
    }
}
