BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
}

Describe 'Get-MappedValue and Set-MappedValue' {
    BeforeEach {
        $script:Path = Join-Path $TestDrive "values-$(New-Guid).bin"
        $script:Content = New-PatternFile -Path $Path -Length 4096
    }

    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
    }

    It 'round-trips <Type> values at the edges in <Order>-endian order, stored as BitConverter stores them' -ForEach @(
        foreach ($order in 'little', 'big') {
            @{ Type = 'SByte'; Values = [sbyte]::MinValue, -1, [sbyte]::MaxValue; Order = $order }
            @{ Type = 'Byte'; Values = 0, 255; Order = $order }
            @{ Type = 'Int16'; Values = [int16]::MinValue, [int16]::MaxValue; Order = $order }
            @{ Type = 'UInt16'; Values = 0, 0x1234, [uint16]::MaxValue; Order = $order }
            @{ Type = 'Int32'; Values = [int]::MinValue, -1, 0x12345678, [int]::MaxValue; Order = $order }
            @{ Type = 'UInt32'; Values = 0, [uint32]::MaxValue; Order = $order }
            @{ Type = 'Int64'; Values = [long]::MinValue, 0x0102030405060708, [long]::MaxValue; Order = $order }
            @{ Type = 'UInt64'; Values = 0, [uint64]::MaxValue; Order = $order }
            @{ Type = 'Single'; Values = [float]::MinValue, [float]::Epsilon, [float]::PositiveInfinity, [float]::NegativeInfinity, [float]::NaN; Order = $order }
            @{ Type = 'Double'; Values = [double]::MaxValue, -0.0, [double]::NegativeInfinity, [double]::NaN, [Math]::PI; Order = $order }
        }) {
        $m = New-MemoryMapping $Path
        $big = $Order -eq 'big'
        $clr = [type]"System.$Type"
        $typed = foreach ($v in $Values) { $v -as $clr }
        Set-MappedValue $m -Offset 3 -Type $Type -Value $Values -BigEndian:$big
        $back = @(Get-MappedValue $m -Offset 3 -Type $clr -Count $Values.Count -BigEndian:$big)

        $back.Count | Should -Be $Values.Count
        $back | ForEach-Object { $_ | Should -BeOfType $clr }
        $size = @{ SByte = 1; Byte = 1; Int16 = 2; UInt16 = 2; Int32 = 4; UInt32 = 4; Int64 = 8; UInt64 = 8; Single = 4; Double = 8 }[$Type]
        # The reference: BitConverter's bytes (this machine is little-endian), reversed for big-endian.
        $expected = [byte[]]@(foreach ($v in $typed) {
                $one = if ($size -eq 1) { , [byte]([long]$v -band 0xFF) } else { [BitConverter]::GetBytes($v) }
                if ($big) { [Array]::Reverse($one) }
                $one
            })
        $expected.Length | Should -Be ($size * $Values.Count)
        [IO.File]::ReadAllBytes($Path)[3..(2 + $expected.Length)] | Should -Be $expected
        for ($i = 0; $i -lt $typed.Count; $i++) {
            if ($clr -in [float], [double] -and [double]::IsNaN($typed[$i])) { [double]::IsNaN($back[$i]) | Should -BeTrue }
            else { $back[$i] | Should -Be $typed[$i] }
        }
    }

    It 'writes values one by one to the pipeline, by position, with a [type] or a short name' {
        $m = New-MemoryMapping $Path
        Set-MappedValue $m 0 int 1, 2, 3
        Get-MappedValue $m 0 ([int]) 3 | Should -Be 1, 2, 3
        (Get-MappedValue $m -Type uint64 -Offset 0 | Measure-Object).Count | Should -Be 1
        Get-MappedValue $m -Offset 0 -Type UInt32 -Count 2 -BigEndian | Should -Be 0x01000000, 0x02000000
    }

    It 'refuses <Value> as <Type> before any byte is written' -ForEach @(
        @{ Type = 'Byte'; Value = 300 }
        @{ Type = 'Byte'; Value = -1 }
        @{ Type = 'Int32'; Value = 1.5 }
        @{ Type = 'UInt32'; Value = -1 }
        @{ Type = 'Int16'; Value = '40000' }
        @{ Type = 'Int64'; Value = 'twelve' }) {
        $m = New-MemoryMapping $Path
        Set-MappedValue $m -Offset 0 -Type $Type -Value 1, 2, $Value -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.SetMappedValueCommand'
        $failure[0].Exception.Message | Should -Match "$Type.*nothing was written"
        [IO.File]::ReadAllBytes($Path) | Should -Be $Content
    }

    It 'refuses a type that is not one of the ten, naming them' {
        $m = New-MemoryMapping $Path
        { Get-MappedValue $m -Type decimal -ErrorAction Stop } | Should -Throw '*SByte, Byte, Int16, UInt16, Int32, UInt32, Int64, UInt64, Single, Double*'
        { Set-MappedValue $m -Type ([string]) -Value 1 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,MemMap.Commands.SetMappedValueCommand'
    }

    It 'refuses values past Length, on read-only pages and on truncated pages, and the session lives on' {
        $m = New-MemoryMapping $Path
        { Get-MappedValue $m -Offset 4093 -Type Int32 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,MemMap.Commands.GetMappedValueCommand'
        { Set-MappedValue $m -Offset 4095 -Type Int16 -Value 1 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,MemMap.Commands.SetMappedValueCommand'
        $r = New-MemoryMapping $Path -Protection Read
        { Set-MappedValue $r -Type Byte -Value 1 -ErrorAction Stop } | Should -Throw -ErrorId 'Access.Protection,MemMap.Commands.SetMappedValueCommand'
        truncate --size 0 $Path
        { Get-MappedValue $m -Type Int64 -ErrorAction Stop } | Should -Throw -ErrorId 'Access.BeyondEndOfFile,MemMap.Commands.GetMappedValueCommand'
    }

    It 'writes nothing under -WhatIf and passes the mapping on with -PassThru' {
        $m = New-MemoryMapping $Path
        Set-MappedValue $m -Type Int32 -Value 7 -WhatIf
        [IO.File]::ReadAllBytes($Path) | Should -Be $Content
        (Set-MappedValue $m -Type Int32 -Value 7 -PassThru).Id | Should -Be $m.Id
        Get-MappedValue $m -Type Int32 | Should -Be 7
    }
}

Describe 'Set-MappedValue and hex literals' {
    It 'explains that PowerShell read 0xCAFEBABE as a negative Int32 and suggests 0xCAFEBABEu; nothing is written' {
        $m = New-MemoryMapping -Anonymous -Length 16
        Set-MappedValue $m -Type UInt32 -Value 0xCAFEBABE -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.SetMappedValueCommand'
        $failure[0].Exception.Message | Should -BeLike '*Int32 (-889275714)*write 0xCAFEBABEu for the UInt32 value*'
        $failure[0].Exception.Message | Should -Not -BeLike "*(Parameter '*"
        Get-MappedValue $m -Type UInt32 | Should -Be 0
        Set-MappedValue $m -Type UInt32 -Value 0xCAFEBABEu
        Get-MappedValue $m -Type UInt32 | Should -Be 0xCAFEBABEu
        Set-MappedValue $m -Type UInt64 -Value 0xFFFFFFFFFFFFFFFF -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure[0].Exception.Message | Should -BeLike '*Int64 (-1)*write 0xFFFFFFFFFFFFFFFFu for the UInt64 value*'
        Remove-MemoryMapping $m
    }

    It 'gives no hex hint where no literal explains the refusal' {
        $m = New-MemoryMapping -Anonymous -Length 16
        Set-MappedValue $m -Type Byte -Value 0xCAFEBABE -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure[0].Exception.Message | Should -Not -BeLike '*0xCAFEBABEu*'
        Remove-MemoryMapping $m
    }
}

Describe 'Get-MappedValue -NoEnumerate' {
    It 'writes the values as one typed array, as Write-Output -NoEnumerate does' {
        $m = New-MemoryMapping -Anonymous -Length 4096
        Set-MappedValue $m -Type Int32 -Value 1, -2, 3
        $values = Get-MappedValue $m -Type Int32 -Count 3 -NoEnumerate
        , $values | Should -BeOfType ([int[]])
        $values | Should -Be 1, -2, 3
        @(Get-MappedValue $m -Type UInt16 -Count 5 -NoEnumerate -BigEndian).Count | Should -Be 1
        (Get-MappedValue $m -Type Int32 -Count 3 | Measure-Object).Count | Should -Be 3
        (Get-MappedValue $m -Type Int32 -Count 3 -NoEnumerate | Measure-Object).Count | Should -Be 1
        Remove-MemoryMapping $m
    }
}
